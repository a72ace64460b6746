"""The ``[reports]`` section: the daily report written into a folder every day."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from pydantic import Field

from sync.configfile import Section


class ReportsSection(Section):
    daily_at: time | None = Field(None, description="Each day at this time (site's clock, e.g. \"07:00\"), write "
                                  "the last whole day's report (日报) into folder; unset: none is written")
    folder: Path = Field(Path("reports"), description="Where the daily reports are written "
                         "(relative: to the config file's folder)")
