"""A scratch root that looks like a fresh Raspberry Pi OS, for scripts/install.sh.

The root has its own /etc/passwd and /etc/group (the installer adds its users there with
useradd --prefix and gives files their numeric owners), /proc/device-tree/model for the
Pi model, the desktop's session files, and, where a test wants one, a USB-serial adapter
in /sys. raspi-config is a stand-in on PATH that records its calls and remembers what it
was told, as the real one does in /boot/firmware. The broker files are the real ones
from `community-server broker-config`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "scripts" / "install.sh"
LAUNCHER = f"{REPO}/config/systemd/kiosk-browser.sh"
PI4, PI5 = "Raspberry Pi 4 Model B Rev 1.5", "Raspberry Pi 5 Model B Rev 1.0"
PI_UID = 1000
WHY_NOT = ("" if os.geteuid() == 0 and shutil.which("useradd")
           else "the installer sets owners (root) and adds users (useradd)")

# raspi-config's nonint interface: get_X prints the setting (0 = on), do_X V sets it.
RASPI_CONFIG = """#!/bin/sh
echo "$*" >> {calls}
key=${{2#get_}}; key=${{key#do_}}
case "$2" in
    get_*) cat "{state}.$key" 2>/dev/null || {{ [ "$key" = serial_hw ] && echo 1 || echo 0; }} ;;
    do_*) echo "$3" > "{state}.$key" ;;
esac
"""

SESSIONS = {"labwc": "usr/share/wayland-sessions/LXDE-pi-labwc.desktop",
            "wayfire": "usr/share/wayland-sessions/LXDE-pi-wayfire.desktop",
            "x11": "usr/share/xsessions/LXDE-pi-x.desktop"}


class ScratchPi:
    """A scratch root, the raspi-config stand-in, and the operator's broker files."""

    def __init__(self, base: Path, model: str, desktop: str = "labwc", usb: tuple[str, str] | None = None):
        self.base, self.root = base, base / "root"
        etc = self.root / "etc"
        (etc / "lightdm").mkdir(parents=True)
        (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\npi:x:1000:1000::/home/pi:/bin/bash\n")
        (etc / "group").write_text("root:x:0:\ndialout:x:20:pi\naudio:x:29:pi\nvideo:x:44:pi\ninput:x:105:pi\n"
                                   "gpio:x:997:pi\npi:x:1000:\n")
        for name in ("shadow", "gshadow"):
            (etc / name).touch(mode=0o600)
        (etc / "lightdm" / "lightdm.conf").write_text("[Seat:*]\nautologin-user=pi\n")
        session = self.root / SESSIONS[desktop]
        session.parent.mkdir(parents=True)
        session.write_text("[Desktop Entry]\nName=Desktop\n")
        (self.root / "etc/xdg/labwc").mkdir(parents=True)
        (self.root / "etc/xdg/labwc/autostart").write_text("/usr/bin/lwrespawn /usr/bin/wf-panel-pi &\n")
        home = self.root / "home" / "pi"
        home.mkdir(parents=True)
        os.chown(home, PI_UID, PI_UID)
        (self.root / "proc/device-tree").mkdir(parents=True)
        (self.root / "proc/device-tree/model").write_bytes(model.encode() + b"\0")
        if usb:
            device = self.root / "sys/devices/platform/usb1/1-1"
            (device / "1-1:1.0/ttyUSB0").mkdir(parents=True)
            (device / "idVendor").write_text(usb[0] + "\n")
            (device / "idProduct").write_text(usb[1] + "\n")
            tty = self.root / "sys/class/tty/ttyUSB0"
            tty.mkdir(parents=True)
            (tty / "device").symlink_to("../../../devices/platform/usb1/1-1/1-1:1.0/ttyUSB0")
        self.bin = base / "bin"
        self.bin.mkdir()
        self.calls = base / "raspi-calls"
        stub = self.bin / "raspi-config"
        stub.write_text(RASPI_CONFIG.format(calls=self.calls, state=base / "raspi-state"))
        stub.chmod(0o755)
        self.broker = base / "broker"
        subprocess.run([sys.executable, "-m", "sync.server.cli", "broker-config", "--dir", str(self.broker), "--tls",
                        "--client-certs", "--hostname", "gate-server.local", "--broker-host", "gate-server.local",
                        "--kiosk", "east/gate-1"], cwd=REPO, check=True, capture_output=True, timeout=120)

    def kiosk_args(self) -> list[str]:
        tls = self.broker / "tls"
        return ["kiosk", "--site", "east", "--gate", "gate-1", "--direction", "in",
                "--broker-toml", str(self.broker / "kiosks/east.gate-1.toml"), "--ca", str(tls / "ca.crt"),
                "--cert", str(tls / "clients/east.gate-1.crt"), "--key", str(tls / "clients/east.gate-1.key")]

    def install(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        env = {**os.environ, "PATH": f"{self.bin}:{os.environ['PATH']}"}
        env.pop("SUDO_USER", None)
        env.pop("INSTALL_ROOT", None)
        proc = subprocess.run([str(INSTALL), *args, "--root", str(self.root), "--skip-packages"], env=env,
                              capture_output=True, text=True, timeout=300)
        if ok:
            assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    def raspi_calls(self) -> list[str]:
        return self.calls.read_text().splitlines() if self.calls.exists() else []

    def id_of(self, name: str, table: str = "passwd") -> int:
        for line in (self.root / "etc" / table).read_text().splitlines():
            fields = line.split(":")
            if fields[0] == name:
                return int(fields[2])
        raise AssertionError(f"no {name} in the root's /etc/{table}")

    def owner_mode(self, path: str) -> tuple[int, int, int]:
        st = (self.root / path.lstrip("/")).lstat()
        return st.st_uid, st.st_gid, st.st_mode & 0o7777

    def snapshot(self) -> dict[str, tuple]:
        out = {}
        for path in sorted(self.root.rglob("*")):
            st = path.lstat()
            content = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else ""
            out[str(path.relative_to(self.root))] = (st.st_mode, st.st_uid, st.st_gid, st.st_mtime_ns, content)
        return out

    def launcher_places(self) -> list[str]:
        """Every file of the desktop user that starts the launcher, once per mention."""
        home = self.root / "home" / "pi"
        return [str(p.relative_to(home)) for p in home.rglob("*") if p.is_file()
                for line in p.read_text().splitlines() if "kiosk-browser.sh" in line]
