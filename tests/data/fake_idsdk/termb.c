/* A stand-in for the China Vision (华视) termb SDK, for tests: the documented calls
 * against a scripted card. The card is the file named by FAKE_IDCARD: the number on
 * the first line, then the name's bytes as the SDK returns them (GB 18030). No file:
 * no card on the reader. Counts photo requests, which the kiosk must never make. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int opened, loaded, photo_calls;
static char number[64], name[64];

static int card_present(void) {
    const char *path = getenv("FAKE_IDCARD");
    FILE *f = path ? fopen(path, "rb") : NULL;
    size_t n;
    if (!f) return 0;
    memset(number, 0, sizeof number);
    memset(name, 0, sizeof name);
    if (!fgets(number, sizeof number, f)) { fclose(f); return 0; }
    number[strcspn(number, "\r\n")] = 0;
    n = fread(name, 1, sizeof name - 1, f);
    name[n] = 0;
    fclose(f);
    return number[0] != 0;
}

int CVR_InitComm(int port) { if (port != 1001) return 2; opened = 1; return 1; }
int CVR_CloseComm(void) { opened = loaded = 0; return 1; }
int CVR_Authenticate(void) { if (!opened) return 0; return card_present() ? 1 : 2; }
int CVR_Read_Content(int active) { if (!opened || !card_present()) return 0; (void)active; loaded = 1; return 1; }

static int copy_out(const char *value, char *buf, int *len) {
    int n = (int)strlen(value);
    if (!loaded || *len < n + 1) return 0;
    memcpy(buf, value, n + 1);
    *len = n;
    return 1;
}
int GetPeopleIDCode(char *buf, int *len) { return copy_out(number, buf, len); }
int GetPeopleName(char *buf, int *len) { return copy_out(name, buf, len); }
int GetBMPData(unsigned char *buf, int *len) { (void)buf; (void)len; photo_calls++; return 1; }
int CVR_GetPhoto(void) { photo_calls++; return 1; }
int fake_photo_calls(void) { return photo_calls; }
