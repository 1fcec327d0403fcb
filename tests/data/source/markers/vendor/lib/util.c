/* TODO: upstream this fix */
int util_add(int a, int b) { return a + b; }
