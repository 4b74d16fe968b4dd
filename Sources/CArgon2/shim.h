// Debian's libargon2 (libargon2-dev): Argon2id, which turns the passphrase
// that protects a resume key into the key that opens it. The reference
// implementation is C; there is no Argon2 in swift-crypto.
#include <argon2.h>
