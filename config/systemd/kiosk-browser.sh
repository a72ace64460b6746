#!/bin/sh
# Shows the kiosk's touchscreen page full screen, for ever. Started by the desktop
# session (kiosk-browser.desktop in ~/.config/autostart, or a line in labwc's autostart).
# Waits for the kiosk service to answer, then runs Chromium in kiosk mode, and starts it
# again if it ever exits.
URL="${KIOSK_URL:-http://127.0.0.1:8080/}"

# One launcher per desktop, however many autostart mechanisms start it: a second one would
# open another window in the running Chromium every few seconds.
LOCK="${XDG_RUNTIME_DIR:-${TMPDIR:-/tmp}}/kiosk-browser.lock"
exec 9>"$LOCK"
if ! flock -n 9; then
    echo "kiosk-browser: already running" >&2
    exit 0
fi

for candidate in chromium chromium-browser; do
    if command -v "$candidate" >/dev/null 2>&1; then BROWSER="$candidate"; break; fi
done
if [ -z "$BROWSER" ]; then
    echo "kiosk-browser: no chromium found (sudo apt install chromium)" >&2
    exit 1
fi

# Blank the screen never: volunteers glance at it, they do not touch it to wake it. This
# reaches an X11 desktop only; on labwc and wayfire blanking is the desktop's own setting,
# which scripts/install.sh turns off with  raspi-config nonint do_blanking 1.
xset s off -dpms 2>/dev/null || true

while true; do
    until curl -fsS -o /dev/null --max-time 2 "$URL"; do sleep 2; done
    # Autoplay: the admit and deny tones must sound without anyone touching the screen first.
    # A crash or power cut must not leave a "restore pages?" bar over the verdicts.
    PREFS="$HOME/.config/chromium/Default/Preferences"
    [ -f "$PREFS" ] && sed -i 's/"exit_type":"Crashed"/"exit_type":"Normal"/; s/"exited_cleanly":false/"exited_cleanly":true/' "$PREFS"
    "$BROWSER" --kiosk --noerrdialogs --hide-crash-restore-bubble \
        --no-first-run --disable-translate --disable-features=Translate,TouchpadOverscrollHistoryNavigation \
        --overscroll-history-navigation=0 --disable-pinch --check-for-update-interval=31536000 \
        --password-store=basic --autoplay-policy=no-user-gesture-required --app="$URL" 9>&-
    sleep 2
done
