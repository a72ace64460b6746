"""The gate checkpoint kiosk appliance."""

__version__ = "0.1.0"
