// lz4 block compression for kjump image frames. Debian: liblz4-dev.
#include <lz4.h>
