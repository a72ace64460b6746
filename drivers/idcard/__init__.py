"""Chinese second-generation resident ID card readers (刷身份证), through their vendors'
SDKs. Only the number is kept, and only until the kiosk hashes it; see sdk.py."""
