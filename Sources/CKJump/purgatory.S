/*
 * The purgatory: the first code that runs in a kjump kexec image.
 *
 * Why assembly: it runs between two kernels, in 64-bit mode on the system
 * kernel's kexec identity map, with no stack of its own, no C runtime and no
 * relocations. It is copied, as bytes between ckjump_purgatory_start and
 * ckjump_purgatory_end, into a kexec segment at a physical address chosen at
 * load time, so it must be position independent (RIP-relative only).
 *
 * The system kernel's relocate_kernel enters it with `call *%rdx`, so the
 * return address at 0(%rsp) is the re-entry point: where the system kernel
 * continues when the hibernation kernel jumps back. The purgatory
 *   1. writes the re-entry point as 16 hex digits into the hibernation
 *      kernel's command line (placeholder "kjump.reentry=0x0000000000000000"),
 *   2. appends an ACPI NVS e820 entry for the page holding it to boot_params,
 *      so that the hibernation kernel's own kexec identity map covers that
 *      page when it jumps back (it maps RAM, segments and ACPI ranges only;
 *      without this the jump back triple-faults),
 *   3. loads a flat GDT (__BOOT_CS = 0x10, __BOOT_DS = 0x18) as the 64-bit
 *      boot protocol asks, and
 *   4. enters the hibernation kernel's 64-bit entry with %rsi = boot_params.
 *
 * Loaded as a crash kernel (KEXEC_ON_CRASH) it is entered with `ret` and a
 * return address of 0: with PARAM_DIGITS = 0 and that 0 it skips steps 1
 * and 2.
 *
 * The loader fills the parameter block at ckjump_purgatory_parameters.
 */

#define BP_E820_ENTRIES   0x1e8   /* boot_params.e820_entries (u8)       */
#define BP_E820_TABLE     0x2d0   /* boot_params.e820_table[128], 20 B    */
#define E820_MAX          128
#define E820_TYPE_NVS     4

#define PARAM_BOOT_PARAMS 0       /* physical address of boot_params      */
#define PARAM_ENTRY       8       /* physical address of the 64-bit entry */
#define PARAM_DIGITS      16      /* physical address of the 16 digits    */

    .section .rodata.ckjump_purgatory, "a"
    .code64
    .balign 16
    .globl ckjump_purgatory_start
    .globl ckjump_purgatory_parameters
    .globl ckjump_purgatory_end

ckjump_purgatory_start:
    cli
    cld
    movq    (%rsp), %r8                 /* the re-entry point */
    leaq    ckjump_purgatory_parameters(%rip), %rbx

    /* 1. The re-entry point, in hex, into the command line. */
    movq    PARAM_DIGITS(%rbx), %rdi
    testq   %rdi, %rdi
    jz      2f
    leaq    hex_digits(%rip), %r9
    movq    %r8, %rax
    movl    $16, %ecx
1:  rolq    $4, %rax                    /* most significant nibble first */
    movl    %eax, %edx
    andl    $0xf, %edx
    movb    (%r9,%rdx), %dl
    movb    %dl, (%rdi)
    incq    %rdi
    decl    %ecx
    jnz     1b

    /* 2. The re-entry page as ACPI NVS in the hibernation kernel's e820 map
     *    (not for a crash kernel: relocate_kernel enters it with a return
     *    address of 0, and it never returns). */
2:  testq   %r8, %r8
    jz      3f
    movq    PARAM_BOOT_PARAMS(%rbx), %rsi
    movzbl  BP_E820_ENTRIES(%rsi), %ecx
    cmpl    $E820_MAX, %ecx
    jae     3f
    imull   $20, %ecx, %edx
    leaq    BP_E820_TABLE(%rsi,%rdx), %rdi
    movq    %r8, %rax
    andq    $-4096, %rax
    movq    %rax, (%rdi)                /* addr */
    movq    $4096, 8(%rdi)              /* size */
    movl    $E820_TYPE_NVS, 16(%rdi)    /* type */
    incb    BP_E820_ENTRIES(%rsi)

    /* 3. A flat GDT; the descriptor is built on the stack. */
3:  subq    $16, %rsp
    movw    $(gdt_end - gdt - 1), (%rsp)
    leaq    gdt(%rip), %rax
    movq    %rax, 2(%rsp)
    lgdt    (%rsp)
    addq    $16, %rsp
    movl    $0x18, %eax
    movl    %eax, %ds
    movl    %eax, %es
    movl    %eax, %ss
    movl    %eax, %fs
    movl    %eax, %gs
    leaq    4f(%rip), %rax
    pushq   $0x10
    pushq   %rax
    lretq

    /* 4. Into the hibernation kernel. */
4:  movq    PARAM_BOOT_PARAMS(%rbx), %rsi
    movq    PARAM_ENTRY(%rbx), %rax
    xorl    %ebx, %ebx
    xorl    %ebp, %ebp
    xorl    %edi, %edi
    jmpq    *%rax

    .balign 8
gdt:
    .quad   0x0000000000000000          /* null                   */
    .quad   0x0000000000000000          /* unused                 */
    .quad   0x00af9a000000ffff          /* 0x10: 64-bit code      */
    .quad   0x00cf92000000ffff          /* 0x18: data             */
gdt_end:
hex_digits:
    .ascii  "0123456789abcdef"

    .balign 8
ckjump_purgatory_parameters:
    .quad   0                           /* PARAM_BOOT_PARAMS */
    .quad   0                           /* PARAM_ENTRY       */
    .quad   0                           /* PARAM_DIGITS      */
ckjump_purgatory_end:

    .section .note.GNU-stack, "", @progbits
