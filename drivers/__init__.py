"""Hardware behind small interfaces, each with a simulated twin under drivers/sim/.

Nothing here imports the kiosk or sync packages. Hardware libraries (cv2 capture,
serial, gpiozero) are imported inside the real drivers only.
"""
