/* A stand-in for the Jinglun (精伦) sdtapi SDK, for tests: the documented calls against
 * a scripted card. The card is the file named by FAKE_IDCARD: the number on the first
 * line, then the name's bytes in UCS-2LE. No file: no card. SDT_ReadBaseMsg fills the
 * 256-byte text (name at 0, number at 122, UCS-2LE) and a 1024-byte "photo". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int opened;
static char number[64];
static unsigned char name[30];
static size_t name_len;

static int card_present(void) {
    const char *path = getenv("FAKE_IDCARD");
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) return 0;
    memset(number, 0, sizeof number);
    if (!fgets(number, sizeof number, f)) { fclose(f); return 0; }
    number[strcspn(number, "\r\n")] = 0;
    name_len = fread(name, 1, sizeof name, f);
    fclose(f);
    return number[0] != 0;
}

int SDT_OpenPort(int port) { if (port != 1001) return 0x01; opened = 1; return 0x90; }
int SDT_ClosePort(int port) { (void)port; opened = 0; return 0x90; }
int SDT_StartFindIDCard(int port, unsigned char *mana, int ifopen) {
    (void)port; (void)mana; (void)ifopen;
    return opened && card_present() ? 0x9F : 0x80;
}
int SDT_SelectIDCard(int port, unsigned char *sn, int ifopen) {
    (void)port; (void)sn; (void)ifopen;
    return opened && card_present() ? 0x90 : 0x81;
}
int SDT_ReadBaseMsg(int port, unsigned char *text, unsigned int *text_len, unsigned char *photo,
                    unsigned int *photo_len, int ifopen) {
    size_t i;
    (void)port; (void)ifopen;
    if (!opened || !card_present() || *text_len < 256 || *photo_len < 1024) return 0x41;
    memset(text, 0x20, 256);
    memcpy(text, name, name_len);
    for (i = name_len; i < 30; i += 2) { text[i] = 0x20; text[i + 1] = 0; }
    for (i = 0; i < 18; i++) { text[122 + 2 * i] = (unsigned char)number[i]; text[123 + 2 * i] = 0; }
    memset(photo, 0xAB, 1024);
    *text_len = 256;
    *photo_len = 1024;
    return 0x90;
}
