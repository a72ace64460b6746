#!/usr/bin/env bash
# Turns a Raspberry Pi (Raspberry Pi OS Bookworm) into a gate kiosk, or a Debian machine
# into the community server, from this checkout. Run it again at any time: what is
# already right is left alone and reported "unchanged".
#
#   sudo scripts/install.sh kiosk --site east --gate gate-1 --direction in \
#        --broker-toml east.gate-1.toml --ca ca.crt [--cert east.gate-1.crt --key east.gate-1.key]
#   sudo scripts/install.sh server --hostname gate-server.local [--kiosk east/gate-1 ...]
#   sudo scripts/install.sh doctor            # kiosk doctor, as the service would run it
#   sudo scripts/install.sh uninstall [--purge]
#
# --dry-run prints what would change and changes nothing. --root DIR (or INSTALL_ROOT)
# installs into DIR instead of / (a scratch root for tests or an image being built):
# files go under DIR, users into DIR/etc/passwd, and nothing running is started or
# reloaded. Everything else that acts on the running system goes through run().
set -euo pipefail

APP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$APP/.venv"
LAUNCHER="$APP/config/systemd/kiosk-browser.sh"
ETC=/etc/gate-checkpoint
KIOSK_STATE=/var/lib/gate-checkpoint
SERVER_STATE=/var/lib/community-server
BROKER_DIR=/etc/mosquitto/checkpoint

usage() {
    cat <<'EOF'
usage: sudo scripts/install.sh kiosk|server|doctor|uninstall [options]

  kiosk       this machine becomes a gate kiosk
    --site SITE --gate GATE     this kiosk's site and gate (required)
    --direction in|out          which way people pass (default: in)
    --broker-toml FILE          its [mqtt] section, SITE.GATE.toml from the server's operator (required)
    --ca FILE                   the site's CA certificate, ca.crt (when the section turns TLS on)
    --cert FILE --key FILE      its client certificate and key, when the operator made them
    --relay-pin N               a gate relay on this BCM pin
    --camera PATH               default: the first /dev/v4l/by-id camera, else /dev/video0
    --thermometer-port PATH     default: a USB-serial adapter (udev rule), else the Pi's UART
    --protocol NAME             gy-mcu90614 (default), modbus-rtu or ascii
    --desktop labwc|wayfire|x11 default: the session the desktop logs in to
    --desktop-user USER         default: the user the desktop logs in as
  server      this machine becomes the community server
    --hostname NAME             the name kiosks reach it by (required)
    --kiosk SITE/GATE           a kiosk's broker account (repeat)
  doctor      kiosk doctor, as the service runs it
  uninstall   remove what was installed; the state directories stay
    --purge                     remove them too, and the users

  --dry-run          print what would change, change nothing
  --root DIR         install into DIR instead of / (or INSTALL_ROOT=DIR)
  --skip-packages    no apt-get, no .venv (they must be there already)
EOF
    exit "${1:-0}"
}
say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: error: %s\n' "$*" >&2; exit 2; }

# ---------------------------------------------------------------- arguments
MODE="${1:-}"; [ $# -gt 0 ] && shift
case "$MODE" in kiosk|server|uninstall|doctor) ;; -h|--help) usage 0 ;; *) usage 2 >&2 ;; esac
ROOT="${INSTALL_ROOT:-/}"; DRY=0; SKIP_PACKAGES=0; PURGE=0
SITE=""; GATE=""; DIRECTION="in"; BROKER_TOML=""; CA=""; CERT=""; KEY=""; RELAY_PIN=""
CAMERA=""; THERMO_PORT=""; PROTOCOL="gy-mcu90614"; DESKTOP=""; DESKTOP_USER="${SUDO_USER:-}"
HOSTNAME_=""; KIOSKS=()
while [ $# -gt 0 ]; do
    opt="$1"; shift
    case "$opt" in
        --dry-run) DRY=1 ;;
        --skip-packages) SKIP_PACKAGES=1 ;;
        --purge) PURGE=1 ;;
        --root|--site|--gate|--direction|--broker-toml|--ca|--cert|--key|--relay-pin|--camera|\
        --thermometer-port|--protocol|--desktop|--desktop-user|--hostname|--kiosk)
            [ $# -gt 0 ] || die "$opt needs a value"
            val="$1"; shift
            case "$opt" in
                --root) ROOT="$val" ;; --site) SITE="$val" ;; --gate) GATE="$val" ;;
                --direction) DIRECTION="$val" ;; --broker-toml) BROKER_TOML="$val" ;; --ca) CA="$val" ;;
                --cert) CERT="$val" ;; --key) KEY="$val" ;; --relay-pin) RELAY_PIN="$val" ;;
                --camera) CAMERA="$val" ;; --thermometer-port) THERMO_PORT="$val" ;;
                --protocol) PROTOCOL="$val" ;; --desktop) DESKTOP="$val" ;;
                --desktop-user) DESKTOP_USER="$val" ;; --hostname) HOSTNAME_="$val" ;;
                --kiosk) KIOSKS+=("$val") ;;
            esac ;;
        -h|--help) usage 0 ;;
        *) die "unknown option $opt (see --help)" ;;
    esac
done
ROOT="$(cd "$ROOT" 2>/dev/null && pwd)" || die "--root: no such directory"
case "$DESKTOP" in ""|labwc|wayfire|x11) ;; *) die "--desktop is labwc, wayfire or x11, not '$DESKTOP'" ;; esac
R="${ROOT%/}"                      # prefix for paths on the target: "" for the real system
LIVE=0                             # the running system is the target and systemd runs it
[ -z "$R" ] && [ -d /run/systemd/system ] && LIVE=1
PREFIX=(); [ -n "$R" ] && PREFIX=(--prefix "$ROOT")
[ "$(id -u)" -eq 0 ] || [ "$DRY" -eq 1 ] || die "run it as root (sudo), or with --dry-run"
CHANGES=0
REBOOT=0   # a setting that the next boot applies was changed

# ---------------------------------------------------------------- small effects
# Each change goes through one of these, which report it, skip it under --dry-run, and
# count it: a second run must count none.
changed() { CHANGES=$((CHANGES + 1)); if [ "$DRY" -eq 1 ]; then say "would $*"; else say "$*"; fi; }

run() {   # a command acting on the target
    changed "run: $*"
    [ "$DRY" -eq 1 ] || "$@"
}

uid_of() { awk -F: -v n="$1" '$1 == n { print $3 }' "$R/etc/passwd"; }
gid_of() { awk -F: -v n="$1" '$1 == n { print $3 }' "$R/etc/group"; }
home_of() { awk -F: -v n="$1" '$1 == n { print $6 }' "$R/etc/passwd"; }
group_of() {   # a user's primary group, by name
    awk -F: -v g="$(awk -F: -v n="$1" '$1 == n { print $4 }' "$R/etc/passwd")" '$3 == g { print $1 }' "$R/etc/group"
}
in_group() { awk -F: -v g="$2" -v u="$1" '$1 == g { n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u) f = 1 } END { exit !f }' "$R/etc/group"; }
ids() {   # user:group as numbers from the target's own files (they may not exist on this machine)
    local u g
    u="$(uid_of "$1")"; g="$(gid_of "$2")"
    if [ -z "$u" ] || [ -z "$g" ]; then
        [ "$DRY" -eq 1 ] && { echo "0:0"; return; }
        die "no user $1 or group $2 in $R/etc/passwd, $R/etc/group"
    fi
    echo "$u:$g"
}

WROTE=0   # whether the last put() changed its file

put() {   # put PATH OWNER GROUP MODE, the content on stdin
    local path="$R$1" mode="$4" own tmp
    own="$(ids "$2" "$3")"
    tmp="$(mktemp)"; cat > "$tmp"
    WROTE=0
    if [ -f "$path" ] && cmp -s "$tmp" "$path" && [ "$(stat -c '%u:%g %a' "$path")" = "$own ${mode#0}" ]; then
        say "unchanged $1"; rm -f "$tmp"; return
    fi
    WROTE=1
    changed "write $1 ($2:$3 $mode)"
    if [ "$DRY" -eq 0 ]; then
        mkdir -p "$(dirname "$path")"
        install -o "${own%:*}" -g "${own#*:}" -m "$mode" "$tmp" "$path"
    fi
    rm -f "$tmp"
}

put_dir() {   # put_dir PATH OWNER GROUP MODE
    local path="$R$1" own
    own="$(ids "$2" "$3")"
    if [ -d "$path" ] && [ "$(stat -c '%u:%g %a' "$path")" = "$own ${4#0}" ]; then
        say "unchanged $1/"; return
    fi
    changed "make $1/ ($2:$3 $4)"
    [ "$DRY" -eq 1 ] || install -d -o "${own%:*}" -g "${own#*:}" -m "$4" "$path"
}

remove() {
    if [ -e "$R$1" ] || [ -L "$R$1" ]; then changed "remove $1"; [ "$DRY" -eq 1 ] || rm -rf "$R$1"; fi
}

live() {   # live CMD...: only on the running system (not into --root, not without systemd)
    if [ "$LIVE" -eq 1 ]; then run "$@"; else say "skipped (not the live system): $*"; fi
}

if_wrote() {   # if_wrote CMD...: after a put() that changed its file, on the running system
    [ "$WROTE" -eq 0 ] || live "$@"
}

# ---------------------------------------------------------------- detection
pi_model() { [ -r "$R/proc/device-tree/model" ] && tr -d '\0' < "$R/proc/device-tree/model" || true; }

usb_serial() {   # the first USB-serial adapter: "ttyUSB0 1a86 7523", from sysfs
    local tty dev
    for tty in "$R"/sys/class/tty/ttyUSB* "$R"/sys/class/tty/ttyACM*; do
        [ -e "$tty/device" ] || continue
        dev="$(readlink -f "$tty/device")"
        while [ "$dev" != / ] && [ ! -f "$dev/idVendor" ]; do dev="$(dirname "$dev")"; done
        [ -f "$dev/idVendor" ] && { echo "$(basename "$tty") $(cat "$dev/idVendor") $(cat "$dev/idProduct")"; return; }
    done
}

desktop_user() {
    [ -n "$DESKTOP_USER" ] && [ "$DESKTOP_USER" != root ] && { echo "$DESKTOP_USER"; return; }
    local u
    u="$(sed -n 's/^autologin-user=//p' "$R"/etc/lightdm/lightdm.conf 2>/dev/null | tail -1)"
    [ -n "$u" ] && { echo "$u"; return; }
    awk -F: '$3 >= 1000 && $3 < 60000 { print $1; exit }' "$R/etc/passwd"
}

desktop_kind() {   # labwc, wayfire, x11 or none: the session lightdm starts, else what is installed
    [ -n "$DESKTOP" ] && { echo "$DESKTOP"; return; }
    local s
    s="$(sed -n 's/^\(autologin-session\|user-session\)=//p' "$R"/etc/lightdm/lightdm.conf 2>/dev/null | tail -1)"
    case "$s" in *labwc*) echo labwc; return ;; *wayfire*) echo wayfire; return ;; ?*) echo x11; return ;; esac
    if compgen -G "$R/usr/share/wayland-sessions/*labwc*.desktop" >/dev/null; then echo labwc
    elif compgen -G "$R/usr/share/wayland-sessions/*wayfire*.desktop" >/dev/null; then echo wayfire
    elif compgen -G "$R/usr/share/xsessions/*.desktop" >/dev/null; then echo x11
    else echo none; fi
}

# ---------------------------------------------------------------- steps
packages() {   # packages PKG...: the Debian packages, then .venv with the project
    if [ "$SKIP_PACKAGES" -eq 1 ]; then say "packages and .venv: skipped (--skip-packages)"; return; fi
    local missing=() p
    for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
    if [ "${#missing[@]}" -gt 0 ]; then
        run apt-get update -qq
        run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    else
        say "unchanged packages: $*"
    fi
    # --system-site-packages: gpiozero and lgpio come from Debian on a Pi.
    if [ -x "$VENV/bin/kiosk" ] && [ ! "$APP/pyproject.toml" -nt "$VENV/.installed-run" ]; then
        say "unchanged $VENV"
        if [ -n "$RELAY_PIN" ] && grep -q "include-system-site-packages = false" "$VENV/pyvenv.cfg"; then
            say "warning: $VENV cannot see Debian's gpiozero and lgpio; for the relay make it again:"
            say "  sudo rm -rf $VENV && sudo $0 kiosk ... (the same answers)"
        fi
    else
        run env VENV_OPTS=--system-site-packages "$APP/scripts/setup.sh" run
    fi
}

ensure_user() {   # ensure_user NAME HOME GROUP...: a system user in the groups this system has
    local name="$1" home="$2" want=() g; shift 2
    for g in "$@"; do
        if [ -n "$(gid_of "$g")" ]; then want+=("$g"); else say "group $g: not on this system, skipped"; fi
    done
    if [ -z "$(uid_of "$name")" ]; then
        local groups=()
        [ "${#want[@]}" -eq 0 ] || groups=(--groups "$(IFS=,; echo "${want[*]}")")
        run useradd "${PREFIX[@]}" --system --user-group --no-create-home --home-dir "$home" \
            --shell /usr/sbin/nologin "${groups[@]}" "$name"
        return
    fi
    local missing=()
    for g in "${want[@]}"; do in_group "$name" "$g" || missing+=("$g"); done
    if [ "${#missing[@]}" -gt 0 ]; then
        run usermod "${PREFIX[@]}" --append --groups "$(IFS=,; echo "${missing[*]}")" "$name"
    else
        say "unchanged user $name (groups: ${want[*]:-none})"
    fi
}

raspi() {   # raspi SETTING VALUE: through raspi-config, only when not already so
    local now
    if ! command -v raspi-config >/dev/null; then say "raspi-config not found: set $1 to $2 yourself"; return; fi
    now="$(raspi-config nonint "get_$1" 2>/dev/null || echo unknown)"
    if [ "$now" = "$2" ]; then say "unchanged raspi-config $1 = $2"; return; fi
    run raspi-config nonint "do_$1" "$2"
    REBOOT=1
}

unit() {   # unit NAME: the unit from config/systemd with this checkout's paths, enabled
    local name="$1"
    sed "s#/opt/gate-checkpoint#$APP#g" "$APP/config/systemd/$name" | put "/etc/systemd/system/$name" root root 0644
    if_wrote systemctl daemon-reload
    if [ -L "$R/etc/systemd/system/multi-user.target.wants/$name" ]; then
        say "unchanged: $name enabled"
    elif [ -n "$R" ]; then
        run systemctl --quiet --root="$ROOT" enable "$name"
    else
        run systemctl enable "$name"
    fi
}

upkeep() {   # the journald cap, for both
    put /etc/systemd/journald.conf.d/gate-checkpoint.conf root root 0644 <<'EOF'
# Written by scripts/install.sh: the system log may not fill the SD card.
[Journal]
SystemMaxUse=100M
EOF
    if_wrote systemctl restart systemd-journald.service
}

toml_value() { sed -n "s/^$1 *= *\"\{0,1\}\([^\"]*\)\"\{0,1\} *$/\1/p" "$2" | head -1; }

checked_config() {   # checked_config PATH OWNER GROUP PROGRAM: stdin validated, then put
    local tmp out; tmp="$(mktemp --suffix=.toml)"; cat > "$tmp"
    if ! out="$("$VENV/bin/$4" run --config "$tmp" --check-config 2>&1)"; then
        rm -f "$tmp"; die "the config made from your answers is refused: ${out//$tmp/$1}"
    fi
    say "checked $1 with $4 run --check-config"
    put "$1" "$2" "$3" 0640 < "$tmp"; rm -f "$tmp"
}

# ---------------------------------------------------------------- the kiosk
thermometer_port() {   # sets PORT; sets up the udev rule or the Pi's UART on the way
    local model="$1" usb
    if [ -n "$THERMO_PORT" ]; then PORT="$THERMO_PORT"; say "thermometer: $PORT (--thermometer-port)"; return; fi
    usb="$(usb_serial)"
    if [ -n "$usb" ]; then
        set -- $usb
        say "detected USB-serial adapter $1 ($2:$3): the udev rule names it /dev/thermometer"
        udev_rule "$2" "$3"
        PORT=/dev/thermometer; return
    fi
    case "$model" in
        "Raspberry Pi 5"*|"Raspberry Pi Compute Module 5"*)
            PORT=/dev/ttyAMA0
            say "no USB-serial adapter; $model: the UART on GPIO 14/15 is $PORT (/dev/serial0 is the debug header)" ;;
        "Raspberry Pi"*)
            PORT=/dev/serial0
            say "no USB-serial adapter; $model: the UART on GPIO 14/15 is $PORT" ;;
        *)  PORT=/dev/ttyUSB0
            say "no USB-serial adapter and not a Raspberry Pi: $PORT (plug the thermometer in and run again)"
            return ;;
    esac
    # The UART on: the hardware on, the login console off it (the next boot applies them).
    raspi serial_hw 0
    raspi serial_cons 1
}

udev_rule() {
    put /etc/udev/rules.d/99-thermometer.rules root root 0644 <<EOF
# Written by scripts/install.sh for the adapter it found: /dev/thermometer, whatever ttyUSBn it gets.
SUBSYSTEM=="tty", ATTRS{idVendor}=="$1", ATTRS{idProduct}=="$2", SYMLINK+="thermometer", GROUP="dialout", MODE="0660"
EOF
    if_wrote udevadm control --reload
    if_wrote udevadm trigger --subsystem-match=tty
}

camera_source() {   # --camera, else the first camera's stable by-id path, else /dev/video0
    [ -n "$CAMERA" ] && { echo "$CAMERA"; return; }
    local f
    for f in "$R"/dev/v4l/by-id/*-video-index0; do [ -e "$f" ] && { echo "${f#"$R"}"; return; }; done
    echo /dev/video0
}

mqtt_section() {   # the operator's [mqtt] section, pointed at this kiosk's copies of the TLS files
    grep -v -E '^[[:space:]]*(ca_file|cert_file|key_file)[[:space:]]*=' "$BROKER_TOML"
    [ -n "$CA" ] && echo "ca_file = \"$ETC/ca.pem\""
    [ -n "$CERT" ] && printf 'cert_file = "%s"\nkey_file = "%s"\n' "$ETC/client.crt" "$ETC/client.key"
    true
}

check_kiosk_answers() {
    [ -n "$SITE" ] && [ -n "$GATE" ] || die "kiosk needs --site and --gate"
    case "$DIRECTION" in in|out) ;; *) die "--direction is in or out, not '$DIRECTION'" ;; esac
    [ -n "$BROKER_TOML" ] || die "kiosk needs --broker-toml SITE.GATE.toml (from the community server's operator)"
    local f; for f in "$BROKER_TOML" $CA $CERT $KEY; do [ -r "$f" ] || die "cannot read $f"; done
    # One [mqtt] table and nothing else: the installer adds its lines at the end of it.
    [ "$(grep -c -E '^[[:space:]]*\[' "$BROKER_TOML")" = 1 ] && grep -q '^\[mqtt\]' "$BROKER_TOML" \
        || die "$BROKER_TOML: expected one [mqtt] section (as broker-config writes it) and nothing else"
    if grep -q -E '^[[:space:]]*ca_file' "$BROKER_TOML" && [ -z "$CA" ]; then
        die "$BROKER_TOML turns TLS on (ca_file): give the site's CA certificate with --ca ca.crt"
    fi
    if grep -q -E '^[[:space:]]*cert_file' "$BROKER_TOML" && [ -z "$CERT$KEY" ]; then
        die "$BROKER_TOML logs in with a client certificate: give it with --cert and --key"
    fi
    if { [ -n "$CERT" ] && [ -z "$KEY" ]; } || { [ -z "$CERT" ] && [ -n "$KEY" ]; }; then die "--cert and --key go together"; fi
    case "$(toml_value host "$BROKER_TOML")" in
        ""|127.0.0.1|localhost|::1)
            die "$BROKER_TOML: host is '$(toml_value host "$BROKER_TOML")', so this kiosk would connect to itself; ask for one made with broker-config --broker-host" ;;
    esac
}

kiosk_config() {   # the config from the answers: stdout
    local port="$1" camera="$2"
    cat <<EOF
# Written by scripts/install.sh from its answers; see config/kiosk.toml for every key.
# Running the installer again with other answers replaces it (the old one is kept as .old).
[kiosk]
site = "$SITE"
gate = "$GATE"
direction = "$DIRECTION"
state_dir = "$KIOSK_STATE"

[camera]
source = "$camera"

[thermometer]
port = "$port"
protocol = "$PROTOCOL"
EOF
    [ -n "$RELAY_PIN" ] && printf '\n[relay]\ntype = "gpio"\npin = %s\n' "$RELAY_PIN"
    echo
    mqtt_section
}

credentials() {   # the CA, and the client certificate and key: root:kiosk 0640
    [ -n "$CA" ] && put "$ETC/ca.pem" root kiosk 0640 < "$CA"
    if [ -n "$CERT" ]; then
        put "$ETC/client.crt" root kiosk 0640 < "$CERT"
        put "$ETC/client.key" root kiosk 0640 < "$KEY"
    fi
    true
}

write_kiosk_config() {
    local text; text="$(kiosk_config "$@")"
    if [ -f "$R$ETC/kiosk.toml" ] && [ "$text" != "$(cat "$R$ETC/kiosk.toml")" ] && [ "$DRY" -eq 0 ]; then
        cp -p "$R$ETC/kiosk.toml" "$R$ETC/kiosk.toml.old"
        say "kept the previous config as $ETC/kiosk.toml.old"
    fi
    printf '%s\n' "$text" | checked_config "$ETC/kiosk.toml" root kiosk kiosk
}

time_sync() {   # NTP: the internet's pool first, the community server when that is out of reach
    local server="$1"
    put /etc/systemd/timesyncd.conf.d/gate-checkpoint.conf root root 0644 <<EOF
# Written by scripts/install.sh. A Pi has no clock battery. When no DHCP or NTP= server is
# given, these are tried in turn: Debian's pool, then the community server ($server).
[Time]
FallbackNTP=0.debian.pool.ntp.org 1.debian.pool.ntp.org 2.debian.pool.ntp.org 3.debian.pool.ntp.org $server
EOF
    if_wrote systemctl restart systemd-timesyncd.service
}

memory_limit_note() {
    if grep -qw memory "$R/sys/fs/cgroup/cgroup.controllers" 2>/dev/null; then
        say "memory cgroup: on, the unit's MemoryHigh/MemoryMax apply"
    else
        say "memory cgroup: off here (Raspberry Pi kernels boot with it off), so the unit's MemoryHigh/MemoryMax do nothing;"
        say "  to turn them on add cgroup_enable=memory to /boot/firmware/cmdline.txt and reboot"
    fi
}

# ---------------------------------------------------------------- the touchscreen's browser
without_launcher() { grep -v -F "kiosk-browser.sh" "$R$1" 2>/dev/null || true; }

user_dirs() {   # user_dirs USER GROUP DIR...: made for the user when missing, left alone when there
    local u="$1" g="$2" d; shift 2
    for d in "$@"; do [ -d "$R$d" ] || put_dir "$d" "$u" "$g" 0755; done
}

autostart_files() {   # the places a launcher may have been put, for HOME
    echo "$1/.config/labwc/autostart $1/.config/wayfire.ini $1/.config/autostart/kiosk-browser.desktop"
}

drop_launcher() {   # drop_launcher FILE USER GROUP: the launcher out of FILE, the rest kept
    local f="$1"
    [ -f "$R$f" ] && grep -q -F "kiosk-browser.sh" "$R$f" || return 0
    case "$f" in
        *.desktop) remove "$f" ;;
        *) without_launcher "$f" | put "$f" "$2" "$3" "$(stat -c %a "$R$f")" ;;
    esac
}

browser() {   # autostart, blanking and automatic login, for the desktop found
    local kind user group home target f
    kind="$(desktop_kind)"; user="$(desktop_user)"
    if [ "$kind" = none ] || [ -z "$user" ]; then
        say "no desktop session found: the touchscreen's browser is not set up (install the image with desktop)"; return
    fi
    home="$(home_of "$user")"
    group="$(group_of "$user")"
    say "detected desktop: $kind, logged in as $user ($home)"
    case "$kind" in
        labwc)   # labwc runs in merge mode here: every autostart file runs, so add only our line
            target="$home/.config/labwc/autostart"
            user_dirs "$user" "$group" "$home/.config" "$home/.config/labwc"
            { without_launcher "$target"; echo "$LAUNCHER &"; } | put "$target" "$user" "$group" 0644 ;;
        wayfire)
            target="$home/.config/wayfire.ini"
            user_dirs "$user" "$group" "$home/.config"
            { cat "$R$target" 2>/dev/null || true; } | awk -v line="kiosk-browser = $LAUNCHER" '
                /kiosk-browser\.sh/ { next }
                { print }
                /^\[autostart\][[:space:]]*$/ { print line; done = 1 }
                END { if (!done) { print ""; print "[autostart]"; print line } }' \
                | put "$target" "$user" "$group" 0644 ;;
        x11)
            target="$home/.config/autostart/kiosk-browser.desktop"
            user_dirs "$user" "$group" "$home/.config" "$home/.config/autostart"
            sed "s#/opt/gate-checkpoint#$APP#g" "$APP/config/systemd/kiosk-browser.desktop" | put "$target" "$user" "$group" 0644 ;;
    esac
    for f in $(autostart_files "$home"); do [ "$f" = "$target" ] || drop_launcher "$f" "$user" "$group"; done
    # Blanking: raspi-config knows each desktop's way (labwc's is a swayidle line in the
    # user's autostart; the launcher's xset reaches only X11).
    raspi blanking 1
    if grep -q -E '^autologin-user=.+' "$R"/etc/lightdm/lightdm.conf 2>/dev/null; then
        say "unchanged: the desktop logs in by itself"
    elif command -v raspi-config >/dev/null; then
        run raspi-config nonint do_boot_behaviour B4
        REBOOT=1
    else
        say "raspi-config not found: make the desktop log in automatically yourself"
    fi
}

# ---------------------------------------------------------------- services
service() {   # service ACTION NAME: the running system's service, not a change to the install
    if [ "$LIVE" -eq 1 ] && [ "$DRY" -eq 0 ]; then say "systemctl $1 $2"; systemctl "$1" "$2"; fi
}

run_doctor() {   # as the unit runs the kiosk: user kiosk (the doctor works in the state directory)
    if [ -n "$R" ] || [ "$DRY" -eq 1 ]; then say "kiosk doctor: skipped (--root or --dry-run)"; return 0; fi
    local was_active=0
    # The camera and the serial port open only once: the running kiosk steps aside meanwhile.
    if [ "$LIVE" -eq 1 ] && systemctl -q is-active kiosk.service; then was_active=1; service stop kiosk.service; fi
    say "kiosk doctor:"
    local rc=0
    runuser -u kiosk -- "$VENV/bin/kiosk" doctor --config "$ETC/kiosk.toml" || rc=$?
    [ "$was_active" -eq 1 ] && service start kiosk.service
    if [ "$rc" -eq 0 ]; then say "kiosk doctor: the gate is ready"
    else say "kiosk doctor: something would stop the gate (the lines above say what); fix it and run: sudo $0 doctor"; fi
    return 0
}

finish() {
    if [ "$DRY" -eq 1 ]; then say "dry run: $CHANGES change(s) would be made, none made"
    elif [ "$CHANGES" -eq 0 ]; then say "unchanged: everything was already installed"
    else say "done: $CHANGES change(s)"; fi
    [ "$REBOOT" -eq 0 ] || say "reboot to apply the serial port and desktop settings: sudo reboot"
}

install_kiosk() {
    check_kiosk_answers
    local model camera
    model="$(pi_model)"
    say "detected: ${model:-not a Raspberry Pi (no /proc/device-tree/model)}"
    local pkgs=(v4l-utils curl)
    case "$model" in "Raspberry Pi"*) pkgs+=(python3-gpiozero python3-lgpio) ;; esac
    packages "${pkgs[@]}"
    ensure_user kiosk "$KIOSK_STATE" video dialout gpio input audio   # audio: the doctor's test phrase
    put_dir "$ETC" root root 0755
    put_dir "$KIOSK_STATE" kiosk kiosk 0700
    thermometer_port "$model"
    camera="$(camera_source)"; say "camera: $camera"
    credentials
    write_kiosk_config "$PORT" "$camera"
    unit kiosk.service
    time_sync "$(toml_value host "$BROKER_TOML")"
    upkeep
    browser
    memory_limit_note
    run_doctor
    [ "$CHANGES" -gt 0 ] && service restart kiosk.service || service start kiosk.service
    finish
}

# ---------------------------------------------------------------- the community server
broker_config() {   # accounts, ACL, TLS; made again only for a kiosk it does not know yet
    local k need=0 dir="$R$BROKER_DIR"
    [ -f "$dir/mosquitto.conf" ] || need=1
    for k in "${KIOSKS[@]}"; do [ -f "$dir/kiosks/${k/\//.}.toml" ] || need=1; done
    if [ "$need" -eq 0 ]; then say "unchanged $BROKER_DIR (accounts for: $(ls "$dir/kiosks" 2>/dev/null | sed 's/\.toml$//' | tr '\n' ' '))"; return; fi
    local args=(--dir "$dir" --tls --hostname "$HOSTNAME_" --broker-host "$HOSTNAME_")
    for k in "${KIOSKS[@]}"; do args+=(--kiosk "$k"); done
    run "$VENV/bin/community-server" broker-config "${args[@]}"
    # Into a scratch root, the files name the paths they will have on the machine.
    if [ -n "$R" ] && [ "$DRY" -eq 0 ]; then
        grep -rl -F "$dir" "$dir" | xargs -r sed -i "s#$dir#$BROKER_DIR#g"
    fi
}

install_server() {
    [ -n "$HOSTNAME_" ] || die "server needs --hostname: the name the kiosks reach it by (it goes into the broker's certificate)"
    packages mosquitto chrony
    ensure_user community "$SERVER_STATE"
    put_dir "$ETC" root root 0755
    put_dir "$SERVER_STATE" community community 0700
    broker_config
    if [ "$DRY" -eq 1 ] && [ ! -f "$R$BROKER_DIR/server-mqtt.toml" ]; then
        say "would write $ETC/server.toml from $BROKER_DIR/server-mqtt.toml"
    else
        local conf="$R/etc/mosquitto/mosquitto.conf"
        if [ -f "$conf" ] && ! grep -q "community-server broker-config" "$conf" && [ ! -e "$conf.debian" ]; then
            changed "keep Debian's /etc/mosquitto/mosquitto.conf as mosquitto.conf.debian"
            [ "$DRY" -eq 1 ] || cp -p "$conf" "$conf.debian"
        fi
        put /etc/mosquitto/mosquitto.conf root root 0644 < "$R$BROKER_DIR/mosquitto.conf"
        if_wrote systemctl restart mosquitto.service
        { printf '# Written by scripts/install.sh; see config/server.toml for every key.\n[server]\nstate_dir = "%s"\n\n' "$SERVER_STATE"
          cat "$R$BROKER_DIR/server-mqtt.toml"; } | checked_config "$ETC/server.toml" root community community-server
    fi
    unit community-server.service
    put /etc/chrony/conf.d/gate-checkpoint.conf root root 0644 <<'EOF'
# Written by scripts/install.sh: the kiosks fall back on this server for the time (their
# FallbackNTP), and it answers even when it cannot reach the internet itself.
allow 10.0.0.0/8
allow 172.16.0.0/12
allow 192.168.0.0/16
allow fc00::/7
local stratum 10
EOF
    if_wrote systemctl restart chrony.service
    upkeep
    [ "$CHANGES" -gt 0 ] && service restart community-server.service || service start community-server.service
    say "kiosk files: $BROKER_DIR/kiosks/SITE.GATE.toml and $BROKER_DIR/tls/ca.crt (give each kiosk's installer its own)"
    say "the console listens on 127.0.0.1:8090 ([http] in $ETC/server.toml); add its first user with:"
    say "  sudo $VENV/bin/community-server add-user NAME --role admin --config $ETC/server.toml"
    finish
}

# ---------------------------------------------------------------- uninstall
uninstall() {
    local name user
    for name in kiosk.service community-server.service; do
        [ -e "$R/etc/systemd/system/$name" ] || continue
        service stop "$name"
        if [ -n "$R" ]; then run systemctl --quiet --root="$ROOT" disable "$name"; else run systemctl disable "$name"; fi
        remove "/etc/systemd/system/$name"
    done
    [ "$CHANGES" -gt 0 ] && [ "$LIVE" -eq 1 ] && run systemctl daemon-reload
    for name in /etc/systemd/timesyncd.conf.d/gate-checkpoint.conf /etc/systemd/journald.conf.d/gate-checkpoint.conf \
                /etc/chrony/conf.d/gate-checkpoint.conf /etc/udev/rules.d/99-thermometer.rules "$ETC"; do
        remove "$name"
    done
    user="$(desktop_user)"
    if [ -n "$user" ] && [ -n "$(home_of "$user")" ]; then
        for name in $(autostart_files "$(home_of "$user")"); do drop_launcher "$name" "$user" "$(group_of "$user")"; done
    fi
    if [ "$PURGE" -eq 1 ]; then
        remove "$KIOSK_STATE"; remove "$SERVER_STATE"; remove "$BROKER_DIR"
        for name in kiosk community; do [ -z "$(uid_of "$name")" ] || run userdel "${PREFIX[@]}" "$name"; done
    else
        for name in "$KIOSK_STATE" "$SERVER_STATE" "$BROKER_DIR"; do
            [ -e "$R$name" ] && say "kept $name (--purge removes it)"
        done
        say "kept the users kiosk and community (--purge removes them)"
    fi
    say "left as they are: the packages, $VENV, and the raspi-config settings (serial port, blanking, desktop login)"
    finish
}

case "$MODE" in
    kiosk) install_kiosk ;;
    server) install_server ;;
    uninstall) uninstall ;;
    doctor) [ -z "$R" ] || die "doctor runs on the machine itself, not with --root"; run_doctor ;;
esac
