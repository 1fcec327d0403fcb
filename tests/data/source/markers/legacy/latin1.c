/* TODO: café au lait */
int legacy(void) { return 0; }
