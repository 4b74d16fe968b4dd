// Accessors for the purgatory bytes assembled in purgatory.S. Swift cannot
// name an assembler symbol of unknown size; these functions hand it over as
// a pointer and a length.
#include "CKJump.h"

extern const unsigned char ckjump_purgatory_start[];
extern const unsigned char ckjump_purgatory_parameters[];
extern const unsigned char ckjump_purgatory_end[];

const void *ckjump_purgatory_code(size_t *size) {
    *size = (size_t)(ckjump_purgatory_end - ckjump_purgatory_start);
    return ckjump_purgatory_start;
}

size_t ckjump_purgatory_parameters_offset(void) {
    return (size_t)(ckjump_purgatory_parameters - ckjump_purgatory_start);
}
