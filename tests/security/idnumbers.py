"""The ID number an attacker types into free text."""

# A valid GB 11643 number (check digit X) and its masked form.
ID_NUMBER = "11010519491231002X"
ID_MASKED = "110105********002X"
