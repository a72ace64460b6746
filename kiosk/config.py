"""Every setting of the kiosk, declared once with its default, unit and check.

The example file ``config/kiosk.toml`` documents each key for people; this module is
the authority for programs. Drivers are chosen here by their ``type`` key and built by
the registries in ``drivers/`` — the logic never asks which implementation it has.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import Field, field_validator, model_validator

from drivers.thermometer.protocols import ascii_line
from sync import cardnumbers
from sync.configfile import ConfigError, Section, load_model, model_from_dict, resolve_relative
from sync.topics import check_name

__all__ = ["KioskConfig", "ConfigError", "load", "from_dict"]

class KioskSection(Section):
    site: str = Field("demo-site", description="Community (site) id; part of every MQTT topic")
    gate: str = Field("gate-1", description="This kiosk's gate id, unique within the site")
    direction: Literal["in", "out"] = Field("in", description="Which way people pass this kiosk")
    state_dir: Path = Field(Path("state"), description="Directory for the journal and registry copy")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    retention_days: int = Field(28, ge=1, le=3650, description="Keep entries and visitor answers this long once "
                                "the server holds them, days; never purged before the server's ack")

    _check_site = field_validator("site", "gate")(check_name)


class CameraSection(Section):
    type: Literal["opencv", "sim", "replay"] = Field(
        "opencv", description="opencv: a real camera; sim: renders the scenario; replay: plays source (image folder or video) in a loop")
    source: int | str = Field(0, description="Device index, /dev/video path, video file or rtsp:// URL; replay: a folder or video")
    width: int = Field(640, ge=160, le=3840, description="Capture width in pixels")
    height: int = Field(480, ge=120, le=2160, description="Capture height in pixels")
    fps: float = Field(15.0, gt=0, le=120, description="Frames per second to capture")
    stall_s: float = Field(3.0, gt=0, le=60, description="No frame for this long: reopen the camera, s")


class DecoderSection(Section):
    type: Literal["cascade", "pyzbar"] = Field(
        "cascade", description="cascade: empty-frame gate, then zxing-cpp, zbar and image retries; pyzbar: plain zbar")
    budget_ms: float = Field(60.0, gt=0, le=1000, description="Most time one frame may spend decoding, ms")
    skip_empty: bool = Field(True, description="Skip frames where nothing changed or nothing looks like a code")
    steps: list[str] | None = Field(
        None, description="Cascade steps in order (see drivers/decoding/cascade.py STEPS); empty: the measured default")

    @field_validator("steps")
    @classmethod
    def _known_steps(cls, steps: list[str] | None) -> list[str] | None:
        from drivers.decoding.cascade import STEPS

        unknown = [s for s in steps or [] if s not in STEPS]
        if unknown:
            raise ValueError(f"unknown step(s) {', '.join(unknown)}; known: {', '.join(STEPS)}")
        return steps


class GYSection(Section):
    mode: Literal["continuous", "query"] = Field("continuous", description="continuous: the module streams (about 14 Hz); query: asked at poll_hz")


class ModbusSection(Section):
    unit: int = Field(1, ge=1, le=247, description="Modbus slave address of the thermometer")
    function: Literal[3, 4] = Field(3, description="3: read holding registers; 4: read input registers")
    object_register: int = Field(0x12, ge=0, le=0xFFFF, description="Register holding the object temperature (default: Calex PyroUSB 0x12)")
    ambient_register: int = Field(0x14, ge=-1, le=0xFFFF, description="Register holding the sensor's own temperature; -1 if it has none")
    scale: float = Field(0.1, gt=0, le=1, description="deg C per register count (0.1: tenths of a degree)")

    @model_validator(mode="after")
    def _span(self):
        if self.ambient_register >= 0 and abs(self.ambient_register - self.object_register) > 124:
            raise ValueError("object_register and ambient_register must lie within 125 registers (one request)")
        return self


class AsciiSection(Section):
    pattern: str = Field(ascii_line.DEFAULT_PATTERN, description="Regular expression for one line, with a group (?P<object>...) and optionally (?P<ambient>...)")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        ascii_line.compile_pattern(value)
        return value


class ThermometerSection(Section):
    type: Literal["serial", "sim", "none"] = Field("serial", description="serial: a real device; sim: a pty simulator; none: no thermometer")
    port: str = Field("/dev/ttyUSB0", description="Serial port, ideally a stable /dev/serial/by-id/... path, or a pyserial URL")
    protocol: Literal["gy-mcu90614", "modbus-rtu", "ascii"] = Field("gy-mcu90614", description="Wire protocol of the module")
    baudrate: int = Field(9600, ge=300, le=921600, description="Serial speed, bits per second")
    poll_hz: float = Field(10.0, gt=0, le=50, description="How often a queried device (modbus-rtu, gy query mode) is asked, per second")
    stale_after_s: float = Field(2.0, gt=0, le=60, description="Without a good frame this long, the thermometer shows as stale, s")
    offset_c: float = Field(0.0, ge=-5, le=5, description="Added to the skin reading to estimate body temperature, deg C")
    presence_margin_c: float = Field(2.0, ge=0.5, le=15, description="A person is in front when the object reads this much above ambient, deg C")
    stable_samples: int = Field(5, ge=1, le=50, description="Consecutive samples that must agree before a value counts")
    stable_spread_c: float = Field(0.3, gt=0, le=3, description="Most those samples may differ (max - min), deg C")
    misread_low_c: float = Field(34.0, ge=25, le=40, description="Body values below this are misreads (measure again), not readings, deg C")
    misread_high_c: float = Field(43.0, ge=38, le=50, description="Body values above this are misreads (measure again), not fevers, deg C")
    gy: GYSection = GYSection()
    modbus: ModbusSection = ModbusSection()
    ascii: AsciiSection = AsciiSection()

    @model_validator(mode="after")
    def _range(self):
        if self.misread_low_c >= self.misread_high_c:
            raise ValueError("misread_low_c must be below misread_high_c")
        return self


class RelaySection(Section):
    type: Literal["none", "gpio", "sim"] = Field("none", description="Gate lock relay; none: no relay fitted")
    pin: int = Field(17, ge=0, le=40, description="BCM GPIO pin driving the relay")
    active_high: bool = Field(True, description="The relay closes when the pin is high (false: when low)")
    pulse_ms: int = Field(1500, ge=50, le=30000, description="How long the relay holds the gate open, ms")


class PolicySection(Section):
    fever_c: float = Field(37.3, ge=35, le=42, description="Body temperature at or above which entry is denied, deg C")
    pairing_window_s: float = Field(4.0, gt=0, le=30, description="How long after a scan to wait for a temperature, s")
    debounce_s: float = Field(3.0, gt=0, le=60, description="Quiet time before the same code counts as a new scan, s")
    remeasure: bool = Field(True, description="Measure once more before denying for fever or a misread temperature")
    anti_passback: Literal["deny", "refer", "off"] = Field(
        "refer", description="What to do when a pass enters twice without leaving")
    passback_window_h: float = Field(12.0, gt=0, le=168, description="How long an entry counts as still inside, hours")
    screening: Literal["site", "off", "record", "enforce"] = Field(
        "site", description="Epidemic screening at this gate: site: as the office sets it in the registry; "
        "off, record or enforce: this gate's own, whatever the site's (off for a gate with no thermometer)")


_QUIET_HOURS = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$")


def _check_quiet_hours(value: str) -> str:
    if value and not _QUIET_HOURS.match(value):
        raise ValueError("expected local hours like \"22:00-07:00\", or \"\" for none")
    return value


class UISection(Section):
    host: str = Field("127.0.0.1", description="Address the touchscreen UI listens on")
    port: int = Field(8080, ge=0, le=65535, description="TCP port of the touchscreen UI (0: any free port)")
    language: Literal["zh", "en"] = Field("zh", description="Language the screen starts in; volunteers can switch")
    pin_hash: str | None = Field(None, description="Hash of the volunteers' PIN (from `kiosk set-pin`); "
                                 "unset: volunteer actions are refused")
    unlock_s: float = Field(300.0, ge=10, le=86400, description="How long one PIN entry unlocks volunteer actions, s")
    sounds: bool = Field(True, description="Play a tone for admit and another for deny")
    quiet_hours: str = Field("22:00-07:00", description="Local hours HH:MM-HH:MM with no sounds; empty: never quiet")
    verdict_hold_s: float = Field(6.0, ge=1, le=120, description="How long a verdict card stays up, s "
                                  "(a refer card stays until the next verdict or this long, whichever is first)")
    queue_ttl_s: float = Field(600.0, ge=30, le=86400, description="A referral waiting longer than this moves "
                               "to the missed list (the person has most likely left), s")
    backlog_warn: int = Field(100, ge=1, le=10_000_000, description="Entries not yet on the server above "
                              "which the status bar's unsent count turns amber")
    preview_width: int = Field(320, ge=80, le=1280, description="Width of the camera preview, pixels")
    preview_fps: float = Field(5.0, gt=0, le=30, description="Frames per second of the camera preview")

    @field_validator("pin_hash")
    @classmethod
    def _check_pin_hash(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("scrypt:", "pbkdf2:")):
            raise ValueError("expected a hash made by `kiosk set-pin` (starts with 'scrypt:' or 'pbkdf2:'), "
                             "never the PIN itself")
        return value

    _quiet = field_validator("quiet_hours")(_check_quiet_hours)


class SpeechSection(Section):
    enabled: bool = Field(True, description="Speak the prompts and verdicts (语音播报) through the screen's browser")
    command: str = Field("espeak-ng", description="The espeak-ng program (a name on PATH or a path); "
                         "missing: only recorded phrases are spoken")
    voice: str = Field("cmn-latn-pinyin", pattern=r"^[A-Za-z0-9_+-]{1,40}$",
                       description="espeak-ng voice; cmn-latn-pinyin is Mandarin (espeak-ng 1.51's plain "
                       "'cmn' reads its own pinyin as English)")
    rate_wpm: int = Field(150, ge=80, le=400, description="Speaking rate, words per minute")
    volume: int = Field(80, ge=0, le=100, description="Loudness of the phrases and the refer chime, percent")
    quiet_hours: str = Field("22:00-07:00", description="Local hours HH:MM-HH:MM with no speech (the refer "
                             "chime still sounds); empty: never quiet")
    phrases: dict[str, Path] = Field(default_factory=dict, description="Recordings that replace phrases: "
                                     "phrase name = 16-bit PCM WAV file")

    _quiet = field_validator("quiet_hours")(_check_quiet_hours)

    @field_validator("phrases")
    @classmethod
    def _known_phrases(cls, phrases: dict[str, Path]) -> dict[str, Path]:
        from kiosk.speech import PHRASES

        unknown = [name for name in phrases if name not in PHRASES]
        if unknown:
            raise ValueError(f"unknown phrase(s) {', '.join(unknown)}; known: {', '.join(PHRASES)}")
        return phrases


class MQTTSection(Section):
    enabled: bool = Field(True, description="Sync entries to the community server")
    host: str = Field("127.0.0.1", description="Broker host name or address")
    port: int = Field(1883, ge=1, le=65535, description="Broker TCP port")
    username: str | None = Field(None, description="This kiosk's own broker user name")
    password: str | None = Field(None, description="This kiosk's own broker password")
    ca_file: Path | None = Field(None, description="CA certificate; setting it turns TLS on")
    batch_size: int = Field(200, ge=1, le=5000, description="Most entries in one MQTT message")
    linger_ms: int = Field(50, ge=0, le=10000, description="How long to wait to fill a batch, ms")
    ack_timeout_s: float = Field(10.0, gt=0, le=600, description="Re-send unacknowledged entries after this, s")
    cert_file: Path | None = Field(None, description="Client certificate (PEM), when the broker wants one")
    key_file: Path | None = Field(None, description="Private key of the client certificate (PEM)")
    window_batches: int = Field(32, ge=1, le=1000, description="Most batches sent and not yet acknowledged")
    registry_keys: dict[str, str] = Field(default_factory=dict, description="Server keys trusted to sign the "
                                          "registry: key id = base64 Ed25519 public key")


class RegistrySection(Section):
    file: Path | None = Field(None, description="Registry JSON to load at start (until the server pushes one)")


class SimSection(Section):
    scenario: Path | None = Field(None, description="Scenario file the simulated drivers play")
    loop: bool = Field(False, description="Start the scenario again when it ends")
    inbox: Path | None = Field(None, description="Directory where a dropped person file (TOML) arrives at once")
    clock_synced: bool = Field(False, description="Count the host's clock as synchronised (the demo, whose "
                               "simulated gate runs on a machine that may not report NTP)")


class DiskSection(Section):
    warn_free_mb: float = Field(500.0, ge=0, description="Warn on the screen and the status topic below this much free space on the journal's disk, MB")
    critical_free_mb: float = Field(50.0, ge=0, description="Below this much free space the warning turns critical, MB")
    held_max: int = Field(5000, ge=10, le=1_000_000, description="Entries kept in memory while the disk is full, until it has room again")


class _ReaderBase(Section):
    name: str = Field("", description="Name in logs, doctor and entries (letters, digits, - _); "
                      "empty: the type and its place in the list, e.g. serial-1")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name(value) if value else value


class _CodeReaderBase(_ReaderBase):
    """A reader that types text: a scanner, or a card reader that types card numbers."""

    reads: Literal["codes", "cards"] = Field("codes", description="codes: QR and barcode texts (a scanner); "
                                             "cards: access-card numbers (an IC/NFC card reader)")
    card_format: Literal[cardnumbers.FORMATS] | None = Field(
        None, description="How a card reader types numbers: hex10, hex8, dec10, dec8 or wiegand26 (sync/cardnumbers.py)")

    @model_validator(mode="after")
    def _cards_have_a_format(self):
        if (self.reads == "cards") != (self.card_format is not None):
            raise ValueError("a card reader (reads = \"cards\") needs card_format, and only a card reader has one")
        return self

    def card_number(self, typed: str) -> str | None:
        """What this card reader typed as a canonical card number, or None for a line that
        is no number of its format. The reader drivers call it (drivers/ imports no sync)."""
        try:
            return cardnumbers.normalise(typed, self.card_format)
        except cardnumbers.CardFormatError:
            return None


class _LineFraming(_CodeReaderBase):
    terminator: Literal["cr", "lf", "crlf", "tab"] = Field(
        "cr", description="What ends each code, as the module is set up (GM65/GM861 default: cr)")
    prefix: str = Field("", max_length=16, description=r"Text the module sends before each code; \xNN for a control byte")
    suffix: str = Field("", max_length=16, description=r"Text the module sends after each code, before the terminator")


class SerialReaderSection(_LineFraming):
    type: Literal["serial"]
    port: str = Field(..., description="Serial port, ideally /dev/serial/by-id/...; or a pyserial URL")
    baudrate: int = Field(9600, ge=300, le=921600, description="Serial speed, bits per second (GM65 default 9600)")


class SimReaderSection(_LineFraming):
    type: Literal["sim"]


class EvdevReaderSection(_CodeReaderBase):
    type: Literal["evdev"]
    device: str = Field(..., description="The wedge's stable /dev/input/by-id/usb-...-event-kbd path "
                        "(the kiosk's user must be in the 'input' group); grabbed for the kiosk alone")


class EvdevReplayReaderSection(_CodeReaderBase):
    type: Literal["evdev-replay"]
    source: Path = Field(..., description="A file (played once) or FIFO of raw input events, as recorded "
                         "from /dev/input/event*")


class EvdevSimReaderSection(_CodeReaderBase):
    type: Literal["evdev-sim"]


class IdCardReaderSection(_ReaderBase):
    type: Literal["idcard"]
    sdk: Literal["termb", "sdtapi"] = Field(..., description="The reader's SDK family: termb (华视 China Vision) "
                                            "or sdtapi (精伦 Jinglun)")
    library: Path = Field(..., description="The vendor's Linux SDK library, e.g. /opt/cvr/libtermb.so; loaded "
                          "only for this reader")
    port: int = Field(1001, ge=1, le=9999, description="The SDK's port number: 1001-1016 USB, 1-16 serial")
    poll_s: float = Field(0.3, gt=0, le=5, description="How often the reader is asked for a card, s")


class IdCardSimReaderSection(_ReaderBase):
    type: Literal["idcard-sim"]


ReaderSection = Annotated[Union[IdCardReaderSection, IdCardSimReaderSection, SerialReaderSection, SimReaderSection, EvdevReaderSection,
                                EvdevReplayReaderSection, EvdevSimReaderSection], Field(discriminator="type")]


class KioskConfig(Section):
    kiosk: KioskSection = KioskSection()
    camera: CameraSection = CameraSection()
    decoder: DecoderSection = DecoderSection()
    thermometer: ThermometerSection = ThermometerSection()
    relay: RelaySection = RelaySection()
    policy: PolicySection = PolicySection()
    ui: UISection = UISection()
    speech: SpeechSection = SpeechSection()
    mqtt: MQTTSection = MQTTSection()
    registry: RegistrySection = RegistrySection()
    sim: SimSection = SimSection()
    disk: DiskSection = DiskSection()
    reader: list[ReaderSection] = Field(default_factory=list, description="Code readers beside the camera: "
                                        "scanner modules, keyboard wedges, card readers ([[reader]] sections)")

    @field_validator("reader")
    @classmethod
    def _reader_names(cls, readers: list) -> list:
        seen = set()
        for i, r in enumerate(readers, 1):
            if not r.name:
                r.name = f"{r.type}-{i}"
            if r.name in seen:
                raise ValueError(f"two readers are named {r.name!r}; give each its own name")
            seen.add(r.name)
        return readers

    @model_validator(mode="after")
    def _screening_needs_a_thermometer(self):
        if self.thermometer.type == "none" and self.policy.screening in ("record", "enforce"):
            raise ValueError(f"policy.screening = {self.policy.screening!r} needs a thermometer, but "
                             "thermometer.type is 'none'; use \"off\" or \"site\"")
        return self

    def resolve_paths(self, base: Path) -> None:
        resolve_relative(base, ((self.kiosk, "state_dir"), (self.sim, "scenario"), (self.sim, "inbox"),
                                (self.registry, "file"), (self.mqtt, "ca_file"), (self.mqtt, "cert_file"),
                                (self.mqtt, "key_file")))
        resolve_relative(base, [(r, "source") for r in self.reader if r.type == "evdev-replay"]
                         + [(r, "library") for r in self.reader if r.type == "idcard"])
        self.speech.phrases = {name: path if path.is_absolute() else base / path
                               for name, path in self.speech.phrases.items()}

    @property
    def journal_path(self) -> Path:
        return self.kiosk.state_dir / "journal.sqlite3"


def load(path: str | Path) -> KioskConfig:
    return load_model(KioskConfig, path)


def from_dict(data: dict, source: str = "<config>") -> KioskConfig:
    return model_from_dict(KioskConfig, data, source)
