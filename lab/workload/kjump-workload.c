/*
 * kjump-workload — the lab's workload: memory and files that must survive
 * a hibernate/resume or a kexec-jump round trip, bit for bit.
 *
 * Why C and not Swift: this program runs in the *system* kernel's guest,
 * a bare busybox initramfs.  It has to be one tiny, fully static binary
 * that starts instantly, has no runtime to carry (no Swift stdlib, no
 * shared libraries), and does nothing but fill, hold and check memory.
 * kjump itself is Swift; the thing it is tested against should not share
 * its toolchain, its runtime or its bugs.
 *
 * Build:  gcc -O2 -static -Wall -Wextra -o kjump-workload kjump-workload.c
 *
 * Subcommands (see usage() and README.md):
 *   start        fork a daemon that fills N MiB of anonymous memory and
 *                writes files, all derived from a seed; keeps a counter
 *                ticking; exits once the daemon is ready.
 *   verify       ask the daemon (the process holding the memory) to check
 *                every byte of memory and every file; print one line.
 *   stop         terminate the daemon.
 *   write-check  write, fsync, evict and re-read a fresh 1 MiB file.
 *
 * Memory layout (4 KiB "pattern pages", independent of the CPU page size):
 *   pages [0, P/2)        pseudo-random: word i = mix64(key(page) + (i+1)*G)
 *   pages [P/2, P), even  English-ish text derived from seed + page index
 *   pages [P/2, P), odd   zero (written, then cleared, so they are resident)
 * Every page can be recomputed on its own, so verification needs no copy.
 *
 * Daemon protocol: `verify` sends SIGUSR1 with sigqueue(); the value is a
 * random nonce.  The daemon answers by writing DIR/reply (temp + rename):
 *   line 1: "<nonce> WORKLOAD-OK ..." or "<nonce> WORKLOAD-FAIL ..."
 *   line 2: optional detail (why continued=no), printed to stderr.
 * A plain `kill -USR1 <pid>` also works (nonce 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG            "kjump-workload"
#define DAEMON_COMM     "kjump-wl-daemon" /* 15 chars: the kernel's limit */
#define PAGE_BYTES      4096u
#define PAGE_WORDS      (PAGE_BYTES / 8)
#define BIG_FILE_BYTES  (1u << 20)
#define NUM_BIG_FILES   4
#define NUM_FILES       (NUM_BIG_FILES + 1) /* plus one small note file */
#define NOTE_MAX        2048
#define TICK_NS         10000000ull       /* counter period: 10 ms */
#define HEARTBEAT_TICKS 10                /* heartbeat file every 100 ms */
#define GOLDEN          0x9e3779b97f4a7c15ull

/* Domain separators, so that memory pages and files never share a stream. */
#define SALT_RANDOM 0x72616e646f6d2121ull
#define SALT_TEXT   0x74657874746578ull
#define SALT_FILE   0x66696c6566696c65ull

enum dir_kind { DIR_FILES = 0, DIR_TMPFS = 1 };
static const char *const dir_kind_name[] = { "files", "tmpfs" };

/* ------------------------------------------------------------------------ */
/* Small utilities                                                          */
/* ------------------------------------------------------------------------ */

/* Last error of a helper, with context (path, errno string).  Per thread,
 * because the ticker thread uses the same helpers. */
#define MSG_MAX (PATH_MAX + 512) /* an error or mismatch message */
static __thread char t_err[MSG_MAX];

static void set_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void set_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t_err, sizeof t_err, fmt, ap);
    va_end(ap);
}

static void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void errmsg(const char *fmt, ...)
{
    va_list ap;
    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static uint64_t now_ns(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
                           .tv_nsec = (long)(ns % 1000000000ull) };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Daemon log line: "[boottime] kjump-workload[pid]: message". */
static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    uint64_t t = now_ns(CLOCK_BOOTTIME);
    int n = snprintf(line, sizeof line, "[%5" PRIu64 ".%03" PRIu64 "] " PROG "[%d]: ",
                     (uint64_t)(t / 1000000000u), (uint64_t)(t / 1000000u % 1000), (int)getpid());
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line);
}

/* splitmix64's output function: a cheap, well-mixed 64-bit bijection. */
static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Key of one independent stream: word i of the stream is mix64(key+(i+1)*G),
 * i.e. splitmix64 started at key, but random-access. */
static inline uint64_t stream_key(uint64_t seed, uint64_t salt, uint64_t index)
{
    return mix64(seed ^ mix64(salt + index * GOLDEN));
}

/* A 64-bit value nobody else will pick: getrandom() if the pool is ready,
 * mixed with clocks and pid either way (never blocks in early boot). */
static uint64_t fresh_random64(void)
{
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
        r = 0;
    r ^= mix64(now_ns(CLOCK_MONOTONIC) ^ mix64(now_ns(CLOCK_REALTIME)));
    r ^= mix64((uint64_t)getpid() * GOLDEN + now_ns(CLOCK_BOOTTIME));
    return r;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (s == NULL || *s == '\0' || *s == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int join_path(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap) {
        set_err("%s/%s: %s", dir, name, strerror(ENAMETOOLONG));
        return -1;
    }
    return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read up to len bytes at offset off; returns bytes read (short at EOF). */
static ssize_t pread_full(int fd, void *buf, size_t len, off_t off)
{
    uint8_t *p = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, p + done, len - done, off + (off_t)done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

/* Read a small text file into buf (NUL-terminated).  Returns length, or -1
 * with errno set (ENOENT when it does not exist). */
static ssize_t read_small_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = pread_full(fd, buf, cap - 1, 0);
    int saved = errno;
    close(fd);
    if (n < 0) {
        errno = saved;
        return -1;
    }
    buf[n] = '\0';
    return n;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        set_err("open %s: %s", dir, strerror(errno));
        return -1;
    }
    int r = fsync(fd);
    if (r < 0 && errno != EINVAL) /* some file systems refuse dir fsync */
        set_err("fsync %s: %s", dir, strerror(errno));
    else
        r = 0;
    close(fd);
    return r;
}

/* Replace dir/name atomically: write dir/.name.tmp, optionally fsync it,
 * rename it over dir/name. */
static int write_file_atomic(const char *dir, const char *name,
                             const void *data, size_t len, int sync)
{
    char path[PATH_MAX], tmp[PATH_MAX], tmpname[NAME_MAX + 1];
    snprintf(tmpname, sizeof tmpname, ".%s.tmp", name);
    if (join_path(path, sizeof path, dir, name) < 0 ||
        join_path(tmp, sizeof tmp, dir, tmpname) < 0)
        return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        set_err("open %s: %s", tmp, strerror(errno));
        return -1;
    }
    if (write_all(fd, data, len) < 0) {
        set_err("write %s: %s", tmp, strerror(errno));
        goto fail;
    }
    if (sync && fsync(fd) < 0) {
        set_err("fsync %s: %s", tmp, strerror(errno));
        goto fail;
    }
    if (close(fd) < 0) {
        fd = -1;
        set_err("close %s: %s", tmp, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        set_err("rename %s -> %s: %s", tmp, path, strerror(errno));
        goto fail;
    }
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return -1;
}

/* mkdir -p */
static int mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        set_err("%s: %s", path, strerror(ENAMETOOLONG));
        return -1;
    }
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
                set_err("mkdir %s: %s", buf, strerror(errno));
                return -1;
            }
            *p = c;
            if (c == '\0')
                break;
        }
    }
    struct stat st;
    if (stat(path, &st) < 0) {
        set_err("stat %s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        set_err("%s: %s", path, strerror(ENOTDIR));
        return -1;
    }
    return 0;
}

/* Read "<pid>\n" from DIR/pid.  Returns pid or -1 (t_err set). */
static pid_t read_pid_file(const char *state_dir)
{
    char path[PATH_MAX], buf[64];
    uint64_t v;
    if (join_path(path, sizeof path, state_dir, "pid") < 0)
        return -1;
    if (read_small_file(path, buf, sizeof buf) < 0) {
        set_err("read %s: %s", path, strerror(errno));
        return -1;
    }
    buf[strcspn(buf, "\n")] = '\0';
    if (parse_u64(buf, &v) < 0 || v == 0 || v > INT_MAX) {
        set_err("%s: not a pid: '%s'", path, buf);
        return -1;
    }
    return (pid_t)v;
}

/* Is pid our daemon, alive?  A bare "kill(pid, 0)" is not enough: after a
 * reboot into a fresh initramfs, pids are small and repeat, so another
 * process may well hold the old number.  The daemon names itself
 * DAEMON_COMM; we check that name and that it is not a zombie.  Without a
 * /proc we fall back to kill(pid, 0). */
static int daemon_alive(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    ssize_t n = read_small_file(path, buf, sizeof buf);
    if (n < 0) {
        if (access("/proc/self/stat", R_OK) == 0)
            return 0; /* /proc is there; the pid is not */
        return kill(pid, 0) == 0 || errno == EPERM;
    }
    char *open_paren = strchr(buf, '(');
    char *close_paren = strrchr(buf, ')');
    if (open_paren == NULL || close_paren == NULL || close_paren < open_paren ||
        close_paren[1] == '\0')
        return 0;
    *close_paren = '\0';
    char state = close_paren[2];
    return strcmp(open_paren + 1, DAEMON_COMM) == 0 && state != 'Z' && state != 'X';
}

/* Value of "key=" in a key=value-per-line text, copied to out. */
static int kv_get(const char *text, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    for (const char *line = text; line && *line; ) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (len > klen && strncmp(line, key, klen) == 0 && line[klen] == '=') {
            size_t vlen = len - klen - 1;
            if (vlen >= cap)
                vlen = cap - 1;
            memcpy(out, line + klen + 1, vlen);
            out[vlen] = '\0';
            return 0;
        }
        line = nl ? nl + 1 : NULL;
    }
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Deterministic content: memory pages and files                            */
/* ------------------------------------------------------------------------ */

enum page_kind { PAGE_RANDOM, PAGE_TEXT, PAGE_ZERO };
static const char *const page_kind_name[] = { "random", "text", "zero" };

static enum page_kind page_kind_of(size_t page, size_t npages)
{
    size_t half = npages / 2;
    if (page < half)
        return PAGE_RANDOM;
    return ((page - half) & 1) ? PAGE_ZERO : PAGE_TEXT;
}

/* 64 words, each stored with its trailing space in a 16-byte slot so that
 * text generation copies a fixed 16 bytes (two moves) and advances by len+1. */
struct word {
    char text[16];
    unsigned char len;
};
#define W(s) { s " ", sizeof(s) - 1 }
static const struct word words[] = {
    W("the"), W("of"), W("and"), W("to"), W("in"), W("a"), W("is"), W("was"),
    W("memory"), W("kernel"), W("page"), W("jump"), W("frozen"), W("resume"),
    W("image"), W("disk"), W("sleep"), W("wake"), W("quick"), W("brown"),
    W("fox"), W("lazy"), W("dog"), W("over"), W("under"), W("river"),
    W("stone"), W("light"), W("dark"), W("north"), W("south"), W("winter"),
    W("summer"), W("bread"), W("water"), W("paper"), W("garden"), W("window"),
    W("silver"), W("copper"), W("engine"), W("signal"), W("number"), W("table"),
    W("little"), W("great"), W("small"), W("green"), W("yellow"), W("morning"),
    W("evening"), W("station"), W("letter"), W("music"), W("forest"),
    W("mountain"), W("harbour"), W("village"), W("candle"), W("thunder"),
    W("whisper"), W("journey"), W("kitchen"), W("ladder"),
};
#undef W
_Static_assert(sizeof words / sizeof words[0] == 64, "word table must have 64 entries");

/* One text page: a header line naming page and seed, then lines of 12
 * words chosen 6 bits at a time from the stream of (seed, page). */
static void gen_text_page(uint64_t seed, uint64_t page, uint8_t *out)
{
    char buf[PAGE_BYTES + 32];
    size_t pos = (size_t)snprintf(buf, sizeof buf,
                                  "kjump-workload text page %08" PRIx64 " seed %016" PRIx64 "\n",
                                  page, seed);
    uint64_t key = stream_key(seed, SALT_TEXT, page), i = 0;
    unsigned nwords = 0;
    while (pos < PAGE_BYTES) {
        uint64_t r = mix64(key + ++i * GOLDEN);
        for (int j = 0; j < 10 && pos < PAGE_BYTES; j++, r >>= 6) {
            const struct word *w = &words[r & 63];
            memcpy(buf + pos, w->text, 16);
            pos += w->len + 1u;
            if (++nwords % 12 == 0)
                buf[pos - 1] = '\n';
        }
    }
    buf[PAGE_BYTES - 1] = '\n';
    memcpy(out, buf, PAGE_BYTES);
}

static void fill_page(uint64_t seed, size_t page, size_t npages, uint8_t *p)
{
    switch (page_kind_of(page, npages)) {
    case PAGE_RANDOM: {
        uint64_t key = stream_key(seed, SALT_RANDOM, page);
        uint64_t *w = (uint64_t *)p;
        for (uint64_t i = 0; i < PAGE_WORDS; i++)
            w[i] = mix64(key + (i + 1) * GOLDEN);
        break;
    }
    case PAGE_TEXT:
        gen_text_page(seed, page, p);
        break;
    case PAGE_ZERO:
        /* Touch with a non-zero store first: the page gets a real frame
         * (not the shared zero page), then make its content zero. */
        *(volatile uint64_t *)p = GOLDEN;
        memset(p, 0, PAGE_BYTES);
        break;
    }
}

/* Check one page.  Returns -1 if it matches, else the first bad byte offset
 * with *exp / *got set. */
static long check_page(uint64_t seed, size_t page, size_t npages, const uint8_t *p,
                       uint8_t *exp, uint8_t *got)
{
    const uint64_t *w = (const uint64_t *)p;
    switch (page_kind_of(page, npages)) {
    case PAGE_RANDOM: {
        uint64_t key = stream_key(seed, SALT_RANDOM, page);
        for (uint64_t i = 0; i < PAGE_WORDS; i++) {
            uint64_t e = mix64(key + (i + 1) * GOLDEN);
            if (w[i] != e) {
                unsigned b = (unsigned)__builtin_ctzll(w[i] ^ e) / 8; /* little endian */
                *exp = (uint8_t)(e >> (8 * b));
                *got = (uint8_t)(w[i] >> (8 * b));
                return (long)(i * 8 + b);
            }
        }
        return -1;
    }
    case PAGE_TEXT: {
        uint8_t ref[PAGE_BYTES];
        gen_text_page(seed, page, ref);
        if (memcmp(ref, p, PAGE_BYTES) == 0)
            return -1;
        for (unsigned i = 0; i < PAGE_BYTES; i++) {
            if (ref[i] != p[i]) {
                *exp = ref[i];
                *got = p[i];
                return (long)i;
            }
        }
        return -1;
    }
    case PAGE_ZERO: {
        uint64_t acc = 0;
        for (unsigned i = 0; i < PAGE_WORDS; i++)
            acc |= w[i];
        if (acc == 0)
            return -1;
        for (unsigned i = 0; i < PAGE_BYTES; i++) {
            if (p[i] != 0) {
                *exp = 0;
                *got = p[i];
                return (long)i;
            }
        }
        return -1;
    }
    }
    return -1;
}

/* Files: NUM_BIG_FILES of 1 MiB pseudo-random data and one small text note,
 * per directory kind (the streams differ between the ext4 and tmpfs copy). */
static void file_name(unsigned idx, char *out, size_t cap)
{
    if (idx < NUM_BIG_FILES)
        snprintf(out, cap, "kjump-wl-data%u.bin", idx);
    else
        snprintf(out, cap, "kjump-wl-note.txt");
}

/* Expected content of file idx into buf (capacity >= BIG_FILE_BYTES);
 * returns its length. */
static size_t gen_file(uint64_t seed, enum dir_kind kind, unsigned idx, uint8_t *buf)
{
    uint64_t key = stream_key(seed, SALT_FILE, (uint64_t)kind * 256 + idx);
    if (idx < NUM_BIG_FILES) {
        uint64_t *w = (uint64_t *)buf;
        for (uint64_t i = 0; i < BIG_FILE_BYTES / 8; i++)
            w[i] = mix64(key + (i + 1) * GOLDEN);
        return BIG_FILE_BYTES;
    }
    size_t n = (size_t)snprintf((char *)buf, NOTE_MAX,
                                "kjump-workload note file\nseed=%" PRIu64 "\ncopy=%s\n",
                                seed, dir_kind_name[kind]);
    for (uint64_t i = 0; i < 16; i++)
        n += (size_t)snprintf((char *)buf + n, NOTE_MAX - n, "line %02" PRIu64 " %016" PRIx64 "\n",
                              i, mix64(key + (i + 1) * GOLDEN));
    return n;
}

/* ------------------------------------------------------------------------ */
/* The daemon                                                               */
/* ------------------------------------------------------------------------ */

static struct daemon_state {
    uint64_t seed;
    uint64_t mib;
    size_t npages;
    uint8_t *mem;
    char state_dir[PATH_MAX];
    char files_dir[PATH_MAX];
    char tmpfs_dir[PATH_MAX];
    uint64_t incarnation;
    uint64_t start_boot_ns;
    uint64_t last_reported; /* counter value in the last WORKLOAD-OK */
    uint8_t *expect_buf;    /* BIG_FILE_BYTES each, allocated once */
    uint8_t *read_buf;
} d;

static uint64_t g_counter; /* ticks since start; __atomic access only */

static uint64_t counter_now(void)
{
    return __atomic_load_n(&g_counter, __ATOMIC_RELAXED);
}

/* Ticker thread: counter += 1 every TICK_NS, heartbeat every 100 ms.
 * Deadlines are absolute on CLOCK_MONOTONIC; if we fall far behind (slow
 * TCG, a freeze) we re-anchor instead of bursting, so the counter counts
 * ticks actually run. */
static void *ticker_main(void *arg)
{
    (void)arg;
    struct timespec next;
    int reported_error = 0;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (;;) {
        next.tv_nsec += (long)TICK_NS;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
            ;
        uint64_t c = __atomic_add_fetch(&g_counter, 1, __ATOMIC_RELAXED);

        uint64_t mono = now_ns(CLOCK_MONOTONIC);
        uint64_t deadline = (uint64_t)next.tv_sec * 1000000000ull + (uint64_t)next.tv_nsec;
        if (mono > deadline + TICK_NS) {
            next.tv_sec = (time_t)(mono / 1000000000ull);
            next.tv_nsec = (long)(mono % 1000000000ull);
        }

        if (c == 1 || c % HEARTBEAT_TICKS == 0) { /* first one before "ready" */
            char hb[160];
            int n = snprintf(hb, sizeof hb,
                             "counter=%" PRIu64 " monotonic_ns=%" PRIu64 " boottime_ns=%" PRIu64 "\n",
                             c, mono, now_ns(CLOCK_BOOTTIME));
            if (write_file_atomic(d.state_dir, "heartbeat", hb, (size_t)n, 0) < 0) {
                if (!reported_error)
                    logmsg("heartbeat: %s (further errors not logged)", t_err);
                reported_error = 1;
            } else if (reported_error) {
                logmsg("heartbeat: writing again");
                reported_error = 0;
            }
        }
    }
    return NULL;
}

static int write_files(const char *dir, enum dir_kind kind)
{
    char name[64], path[PATH_MAX];
    for (unsigned idx = 0; idx < NUM_FILES; idx++) {
        size_t len = gen_file(d.seed, kind, idx, d.expect_buf);
        file_name(idx, name, sizeof name);
        if (join_path(path, sizeof path, dir, name) < 0)
            return -1;
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            set_err("open %s: %s", path, strerror(errno));
            return -1;
        }
        if (write_all(fd, d.expect_buf, len) < 0 || fsync(fd) < 0) {
            set_err("write/fsync %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (close(fd) < 0) {
            set_err("close %s: %s", path, strerror(errno));
            return -1;
        }
    }
    return fsync_dir(dir);
}

struct check_result {
    size_t bad;            /* bad pages or bad files */
    size_t total;
    char first[MSG_MAX]; /* first mismatch, "" if none */
};

static void check_memory(struct check_result *r)
{
    r->bad = 0;
    r->total = d.npages;
    r->first[0] = '\0';
    for (size_t page = 0; page < d.npages; page++) {
        uint8_t exp = 0, got = 0;
        const uint8_t *p = d.mem + page * PAGE_BYTES;
        long off = check_page(d.seed, page, d.npages, p, &exp, &got);
        if (off < 0)
            continue;
        if (r->bad++ == 0)
            snprintf(r->first, sizeof r->first,
                     "memory page %zu (%s) offset %ld (vaddr %p): expected 0x%02x got 0x%02x",
                     page, page_kind_name[page_kind_of(page, d.npages)], off,
                     (const void *)(p + off), exp, got);
    }
}

/* Compare one read of an open file with the expected bytes.  `how` names
 * the read in the message ("cached" / "after DONTNEED"). */
static int compare_read(int fd, const char *path, size_t len, const char *how,
                        char *first, size_t cap)
{
    ssize_t n = pread_full(fd, d.read_buf, len, 0);
    if (n < 0) {
        snprintf(first, cap, "file %s (%s read): %s", path, how, strerror(errno));
        return -1;
    }
    if ((size_t)n != len) {
        snprintf(first, cap, "file %s (%s read): short read %zd of %zu bytes", path, how, n, len);
        return -1;
    }
    if (memcmp(d.read_buf, d.expect_buf, len) == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (d.read_buf[i] != d.expect_buf[i]) {
            snprintf(first, cap, "file %s (%s read) offset %zu: expected 0x%02x got 0x%02x",
                     path, how, i, d.expect_buf[i], d.read_buf[i]);
            break;
        }
    }
    return -1;
}

/* Check every file of one directory.  For the disk copy (DIR_FILES) each
 * file is read twice: first as cached (page cache preserved across the
 * jump), then again after POSIX_FADV_DONTNEED, which drops its clean pages
 * so the second read really comes from the block device.  On tmpfs the
 * page cache *is* the file, so one read suffices. */
static void check_files(const char *dir, enum dir_kind kind, struct check_result *r)
{
    char name[64], path[PATH_MAX], msg[MSG_MAX];
    for (unsigned idx = 0; idx < NUM_FILES; idx++) {
        r->total++;
        msg[0] = '\0';
        file_name(idx, name, sizeof name);
        size_t len = gen_file(d.seed, kind, idx, d.expect_buf);
        int bad = 0;
        if (join_path(path, sizeof path, dir, name) < 0) {
            snprintf(msg, sizeof msg, "%s", t_err);
            bad = 1;
        } else {
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            struct stat st;
            if (fd < 0) {
                snprintf(msg, sizeof msg, "file %s: open: %s", path, strerror(errno));
                bad = 1;
            } else if (fstat(fd, &st) < 0) {
                snprintf(msg, sizeof msg, "file %s: fstat: %s", path, strerror(errno));
                bad = 1;
            } else if ((size_t)st.st_size != len) {
                snprintf(msg, sizeof msg, "file %s: size %jd, expected %zu",
                         path, (intmax_t)st.st_size, len);
                bad = 1;
            } else if (compare_read(fd, path, len, "cached", msg, sizeof msg) < 0) {
                bad = 1;
            } else if (kind == DIR_FILES) {
                posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); /* best effort */
                if (compare_read(fd, path, len, "after DONTNEED", msg, sizeof msg) < 0)
                    bad = 1;
            }
            if (fd >= 0)
                close(fd);
        }
        if (bad && r->bad++ == 0)
            snprintf(r->first, sizeof r->first, "%s", msg);
    }
}

/* Decide continued=yes|no; on "no", `why` says which condition failed. */
static int decide_continued(uint64_t counter, char *why, size_t cap)
{
    char path[PATH_MAX], buf[4096], val[128] = "";
    uint64_t v;

    /* 1. DIR/info still names us: start created this very process. */
    if (join_path(path, sizeof path, d.state_dir, "info") < 0 ||
        read_small_file(path, buf, sizeof buf) < 0) {
        snprintf(why, cap, "cannot read %s/info: %s", d.state_dir, strerror(errno));
        return 0;
    }
    if (kv_get(buf, "incarnation", val, sizeof val) < 0 ||
        strtoull(val, NULL, 16) != d.incarnation) {
        snprintf(why, cap, "info incarnation '%s' is not ours (%016" PRIx64 ")",
                 val, d.incarnation);
        return 0;
    }
    pid_t pid = read_pid_file(d.state_dir);
    if (pid != getpid()) {
        snprintf(why, cap, "pid file says %d, we are %d", (int)pid, (int)getpid());
        return 0;
    }

    /* 2. The previous verify (if any) was answered by the same incarnation. */
    int same_as_prev = 1;
    if (join_path(path, sizeof path, d.state_dir, "last-incarnation") == 0 &&
        read_small_file(path, buf, sizeof buf) >= 0) {
        buf[strcspn(buf, "\n")] = '\0';
        if (strtoull(buf, NULL, 16) != d.incarnation) {
            snprintf(why, cap, "previous verify was answered by incarnation %s, we are %016" PRIx64,
                     buf, d.incarnation);
            return 0;
        }
    } else if (errno == ENOENT) {
        same_as_prev = 0; /* first verify ever in this state dir */
    } else {
        snprintf(why, cap, "read %s: %s", path, strerror(errno));
        return 0;
    }

    /* 3. The counter kept ticking: above what we last reported, both as
     *    remembered in memory and as recorded in DIR/last-counter. */
    if (counter <= d.last_reported) {
        snprintf(why, cap, "counter %" PRIu64 " not above last reported %" PRIu64 " (in memory)",
                 counter, d.last_reported);
        return 0;
    }
    if (same_as_prev && join_path(path, sizeof path, d.state_dir, "last-counter") == 0 &&
        read_small_file(path, buf, sizeof buf) >= 0) {
        buf[strcspn(buf, "\n")] = '\0';
        if (parse_u64(buf, &v) < 0 || counter <= v) {
            snprintf(why, cap, "counter %" PRIu64 " not above last-counter file '%s'", counter, buf);
            return 0;
        }
    }
    why[0] = '\0';
    return 1;
}

static void handle_verify(int nonce)
{
    struct check_result mem, files;
    char line[2 * MSG_MAX], why[MSG_MAX];
    int n;

    uint64_t t0 = now_ns(CLOCK_MONOTONIC);
    check_memory(&mem);
    uint64_t t1 = now_ns(CLOCK_MONOTONIC);
    files.bad = files.total = 0;
    files.first[0] = '\0';
    check_files(d.files_dir, DIR_FILES, &files);
    check_files(d.tmpfs_dir, DIR_TMPFS, &files);
    uint64_t t2 = now_ns(CLOCK_MONOTONIC);
    uint64_t counter = counter_now();

    if (mem.bad || files.bad) {
        n = snprintf(line, sizeof line,
                     "%d WORKLOAD-FAIL %s [bad_pages=%zu/%zu bad_files=%zu/%zu]\n",
                     nonce, mem.bad ? mem.first : files.first,
                     mem.bad, mem.total, files.bad, files.total);
    } else {
        int cont = decide_continued(counter, why, sizeof why);
        uint64_t tenths = (now_ns(CLOCK_BOOTTIME) - d.start_boot_ns) / 100000000ull;
        n = snprintf(line, sizeof line,
                     "%d WORKLOAD-OK pages=%zu files=%zu counter=%" PRIu64
                     " incarnation=%016" PRIx64 " uptime_s=%" PRIu64 ".%" PRIu64
                     " continued=%s\n%s%s",
                     nonce, mem.total, files.total, counter, d.incarnation,
                     tenths / 10, tenths % 10, cont ? "yes" : "no",
                     cont ? "" : why, cont ? "" : "\n");
        /* Remember what we reported, in memory and on disk. */
        d.last_reported = counter;
        char rec[32];
        int rn = snprintf(rec, sizeof rec, "%" PRIu64 "\n", counter);
        if (write_file_atomic(d.state_dir, "last-counter", rec, (size_t)rn, 1) < 0)
            logmsg("verify: %s", t_err);
        rn = snprintf(rec, sizeof rec, "%016" PRIx64 "\n", d.incarnation);
        if (write_file_atomic(d.state_dir, "last-incarnation", rec, (size_t)rn, 1) < 0)
            logmsg("verify: %s", t_err);
    }
    if (n >= (int)sizeof line)
        n = (int)sizeof line - 1;
    if (write_file_atomic(d.state_dir, "reply", line, (size_t)n, 0) < 0)
        logmsg("verify: %s", t_err);
    logmsg("verify nonce=%d: memory %.3f s, files %.3f s: %.*s", nonce,
           (double)(t1 - t0) / 1e9, (double)(t2 - t1) / 1e9,
           (int)strcspn(line, "\n"), line);
}

struct start_opts {
    uint64_t mib;
    uint64_t seed;
    const char *state_dir;
    const char *files_dir;
    const char *tmpfs_dir;
};

/* Runs in the forked child.  Reports readiness by writing 'R' to ready_fd;
 * on a setup error it prints to the caller's stderr and exits 1 (the
 * parent sees EOF on the pipe). */
static void __attribute__((noreturn)) daemon_main(const struct start_opts *o, int ready_fd)
{
    char path[PATH_MAX];

    setsid();
    prctl(PR_SET_NAME, DAEMON_COMM, 0, 0, 0);
    signal(SIGPIPE, SIG_IGN);
    if (chdir("/") < 0) /* never pin a mount point we might want to unmount */
        errmsg("chdir /: %s", strerror(errno));

    d.seed = o->seed;
    d.mib = o->mib;
    d.npages = (size_t)(o->mib << 20) / PAGE_BYTES;
    snprintf(d.state_dir, sizeof d.state_dir, "%s", o->state_dir);
    snprintf(d.files_dir, sizeof d.files_dir, "%s", o->files_dir);
    snprintf(d.tmpfs_dir, sizeof d.tmpfs_dir, "%s", o->tmpfs_dir);
    d.incarnation = fresh_random64();
    d.start_boot_ns = now_ns(CLOCK_BOOTTIME);

    /* stdout must leave the caller's pipe at once ($(...) waits for EOF);
     * it goes to the log.  stderr stays with the caller until we are ready,
     * so setup errors show up where `start` was run. */
    if (join_path(path, sizeof path, d.state_dir, "log") < 0) {
        errmsg("start: %s", t_err);
        _exit(1);
    }
    int log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
        errmsg("start: open %s: %s", path, strerror(errno));
        _exit(1);
    }
    dup2(log_fd, STDOUT_FILENO);

    d.expect_buf = malloc(BIG_FILE_BYTES);
    d.read_buf = malloc(BIG_FILE_BYTES);
    if (d.expect_buf == NULL || d.read_buf == NULL) {
        errmsg("start: malloc: %s", strerror(errno));
        _exit(1);
    }

    /* The memory.  No mlock: the point is that ordinary memory survives.
     * MADV_NOHUGEPAGE keeps 4 KiB pages so that zero pages stay distinct
     * resident frames (ignored where THP is not built in). */
    size_t bytes = (size_t)(o->mib << 20);
    uint64_t t0 = now_ns(CLOCK_MONOTONIC);
    d.mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (d.mem == MAP_FAILED) {
        errmsg("start: mmap %" PRIu64 " MiB: %s", o->mib, strerror(errno));
        _exit(1);
    }
    madvise(d.mem, bytes, MADV_NOHUGEPAGE);
    for (size_t page = 0; page < d.npages; page++)
        fill_page(d.seed, page, d.npages, d.mem + page * PAGE_BYTES);
    uint64_t t1 = now_ns(CLOCK_MONOTONIC);

    if (write_files(d.files_dir, DIR_FILES) < 0 || write_files(d.tmpfs_dir, DIR_TMPFS) < 0) {
        errmsg("start: %s", t_err);
        _exit(1);
    }
    uint64_t t2 = now_ns(CLOCK_MONOTONIC);

    /* info and pid, then the ticker; ready once it has ticked once. */
    char boot_id[64] = "";
    if (read_small_file("/proc/sys/kernel/random/boot_id", boot_id, sizeof boot_id) >= 0)
        boot_id[strcspn(boot_id, "\n")] = '\0';
    else
        boot_id[0] = '\0';
    char info[3 * PATH_MAX + 512];
    int n = snprintf(info, sizeof info,
                     "seed=%" PRIu64 "\nmib=%" PRIu64 "\npages=%zu\npid=%d\n"
                     "incarnation=%016" PRIx64 "\nboot_id=%s\nstart_boottime_ns=%" PRIu64 "\n"
                     "mem_addr=%p\nfiles_dir=%s\ntmpfs_dir=%s\n",
                     d.seed, d.mib, d.npages, (int)getpid(), d.incarnation, boot_id,
                     d.start_boot_ns, (void *)d.mem, d.files_dir, d.tmpfs_dir);
    char pidline[32];
    int pn = snprintf(pidline, sizeof pidline, "%d\n", (int)getpid());
    if (write_file_atomic(d.state_dir, "info", info, (size_t)n, 1) < 0 ||
        write_file_atomic(d.state_dir, "pid", pidline, (size_t)pn, 1) < 0) {
        errmsg("start: %s", t_err);
        _exit(1);
    }

    /* Signals are handled synchronously by the main thread (sigwaitinfo);
     * block them before the ticker thread exists so it inherits the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_t ticker;
    int e = pthread_create(&ticker, NULL, ticker_main, NULL);
    if (e != 0) {
        errmsg("start: pthread_create: %s", strerror(e));
        _exit(1);
    }
    while (counter_now() == 0)
        sleep_ns(1000000);

    /* Ready: leave the caller's stdio, then tell the parent. */
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd >= 0)
        dup2(null_fd, STDIN_FILENO);
    else
        close(STDIN_FILENO);
    dup2(log_fd, STDERR_FILENO);
    logmsg("started: seed=%" PRIu64 " mib=%" PRIu64 " pages=%zu incarnation=%016" PRIx64
           " fill %.3f s, files %.3f s",
           d.seed, d.mib, d.npages, d.incarnation,
           (double)(t1 - t0) / 1e9, (double)(t2 - t1) / 1e9);
    if (write_all(ready_fd, "R", 1) < 0)
        logmsg("readiness pipe: %s", strerror(errno));
    close(ready_fd);

    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&set, &si);
        if (sig < 0) {
            if (errno != EINTR) /* EINTR: e.g. the freezer thawing us */
                logmsg("sigwaitinfo: %s", strerror(errno));
            continue;
        }
        if (sig == SIGUSR1) {
            handle_verify(si.si_code == SI_QUEUE ? si.si_value.sival_int : 0);
        } else if (sig == SIGHUP) {
            logmsg("SIGHUP ignored");
        } else {
            logmsg("signal %d: stopping at counter=%" PRIu64, sig, counter_now());
            if (join_path(path, sizeof path, d.state_dir, "pid") == 0)
                unlink(path);
            _exit(0);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Commands                                                                 */
/* ------------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f,
"usage:\n"
"  " PROG " start --state-dir DIR --files-dir DIR [--tmpfs-dir DIR]\n"
"                 [--mib N] [--seed S]\n"
"      Fork a daemon that fills N MiB (default 64) of anonymous memory and\n"
"      writes files from seed S (default 1; decimal or 0x hex), keeps a\n"
"      counter ticking, and serves verify requests.  Prints the daemon pid\n"
"      and exits 0 once the workload is in place.  --tmpfs-dir defaults\n"
"      to /tmp/kjump-workload.\n"
"  " PROG " verify --state-dir DIR [--timeout S]\n"
"      Ask the daemon to check all its memory and files (default timeout\n"
"      120 s).  Prints one line and exits 0 on success:\n"
"        WORKLOAD-OK pages=N files=N counter=N incarnation=HEX uptime_s=T.T\n"
"                    continued=yes|no\n"
"      or WORKLOAD-FAIL <first mismatch> and exits 1.\n"
"  " PROG " stop --state-dir DIR\n"
"      Terminate the daemon (SIGTERM, SIGKILL after 10 s); prints STOPPED.\n"
"  " PROG " write-check --dir DIR\n"
"      Write a fresh 1 MiB file to DIR, fsync, evict it from the page\n"
"      cache, read it back; prints WRITE-OK <path> <bytes> or WRITE-FAIL.\n"
"  " PROG " --help\n");
}

struct opts {
    const char *state_dir, *files_dir, *tmpfs_dir, *dir;
    const char *mib, *seed, *timeout;
};

/* Parse "--name VALUE" / "--name=VALUE" options.  Returns 0, or 2 after
 * printing a usage error, or 1 if --help was asked for. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct { const char *name; size_t off; } table[] = {
        { "--state-dir", offsetof(struct opts, state_dir) },
        { "--files-dir", offsetof(struct opts, files_dir) },
        { "--tmpfs-dir", offsetof(struct opts, tmpfs_dir) },
        { "--dir",       offsetof(struct opts, dir) },
        { "--mib",       offsetof(struct opts, mib) },
        { "--seed",      offsetof(struct opts, seed) },
        { "--timeout",   offsetof(struct opts, timeout) },
    };
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return 1;
        size_t k;
        for (k = 0; k < sizeof table / sizeof table[0]; k++) {
            size_t len = strlen(table[k].name);
            if (strncmp(arg, table[k].name, len) != 0)
                continue;
            const char *val;
            if (arg[len] == '=')
                val = arg + len + 1;
            else if (arg[len] == '\0' && i + 1 < argc)
                val = argv[++i];
            else if (arg[len] == '\0') {
                errmsg("%s: option %s needs a value", argv[1], arg);
                return 2;
            } else
                continue;
            *(const char **)((char *)o + table[k].off) = val;
            break;
        }
        if (k == sizeof table / sizeof table[0]) {
            errmsg("%s: unknown argument '%s' (try --help)", argv[1], arg);
            return 2;
        }
    }
    return 0;
}

static int need(const char *cmd, const char *val, const char *name)
{
    if (val == NULL || *val == '\0') {
        errmsg("%s: %s is required (try --help)", cmd, name);
        return -1;
    }
    return 0;
}

/* mkdir -p, then make the path absolute (the daemon chdirs to /). */
static int prepare_dir(const char *in, char *out)
{
    if (mkdir_p(in) < 0) {
        errmsg("start: %s", t_err);
        return -1;
    }
    if (realpath(in, out) == NULL) {
        errmsg("start: realpath %s: %s", in, strerror(errno));
        return -1;
    }
    return 0;
}

static int cmd_start(const struct opts *o)
{
    static char state_dir[PATH_MAX], files_dir[PATH_MAX], tmpfs_dir[PATH_MAX];
    struct start_opts so = { .mib = 64, .seed = 1 };

    if (need("start", o->state_dir, "--state-dir") < 0 ||
        need("start", o->files_dir, "--files-dir") < 0)
        return 2;
    if (o->mib && (parse_u64(o->mib, &so.mib) < 0 || so.mib == 0 || so.mib > (1u << 20))) {
        errmsg("start: --mib '%s': expected 1..1048576", o->mib);
        return 2;
    }
    if (o->seed && parse_u64(o->seed, &so.seed) < 0) {
        errmsg("start: --seed '%s': expected an unsigned 64-bit number", o->seed);
        return 2;
    }
    if (prepare_dir(o->state_dir, state_dir) < 0 ||
        prepare_dir(o->files_dir, files_dir) < 0 ||
        prepare_dir(o->tmpfs_dir ? o->tmpfs_dir : "/tmp/kjump-workload", tmpfs_dir) < 0)
        return 1;
    so.state_dir = state_dir;
    so.files_dir = files_dir;
    so.tmpfs_dir = tmpfs_dir;

    pid_t old = read_pid_file(state_dir);
    if (old > 0 && daemon_alive(old)) {
        errmsg("start: a daemon (pid %d) is already running for %s; stop it first",
               (int)old, state_dir);
        return 1;
    }

    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        errmsg("start: pipe: %s", strerror(errno));
        return 1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        errmsg("start: fork: %s", strerror(errno));
        return 1;
    }
    if (pid == 0) {
        close(pfd[0]);
        daemon_main(&so, pfd[1]);
    }
    close(pfd[1]);
    char c = 0;
    ssize_t n;
    while ((n = read(pfd[0], &c, 1)) < 0 && errno == EINTR)
        ;
    close(pfd[0]);
    if (n == 1 && c == 'R') {
        printf("%d\n", (int)pid);
        return 0;
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st))
        errmsg("start: daemon (pid %d) died during setup: signal %d", (int)pid, WTERMSIG(st));
    else
        errmsg("start: daemon (pid %d) failed during setup (exit status %d)",
               (int)pid, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 1;
}

static int not_running(const char *why)
{
    if (why)
        errmsg("verify: %s", why);
    printf("WORKLOAD-FAIL daemon not running (restarted or killed)\n");
    return 1;
}

static int cmd_verify(const struct opts *o)
{
    uint64_t timeout_s = 120;
    char path[PATH_MAX], buf[2 * MSG_MAX + 64];

    if (need("verify", o->state_dir, "--state-dir") < 0)
        return 2;
    if (o->timeout && (parse_u64(o->timeout, &timeout_s) < 0 || timeout_s == 0)) {
        errmsg("verify: --timeout '%s': expected seconds > 0", o->timeout);
        return 2;
    }
    pid_t pid = read_pid_file(o->state_dir);
    if (pid < 0)
        return not_running(t_err);
    if (!daemon_alive(pid)) {
        snprintf(buf, sizeof buf, "pid %d from %s/pid is not a live " DAEMON_COMM,
                 (int)pid, o->state_dir);
        return not_running(buf);
    }
    if (join_path(path, sizeof path, o->state_dir, "reply") < 0) {
        errmsg("verify: %s", t_err);
        return 1;
    }

    int nonce = (int)(fresh_random64() & 0x7fffffff) | 1;
    union sigval sv = { .sival_int = nonce };
    if (sigqueue(pid, SIGUSR1, sv) < 0) {
        if (errno == ESRCH)
            return not_running("daemon vanished before the request");
        errmsg("verify: sigqueue(%d, SIGUSR1): %s", (int)pid, strerror(errno));
        return 1;
    }

    uint64_t start = now_ns(CLOCK_MONOTONIC), polls = 0;
    for (;;) {
        sleep_ns(10000000);
        ssize_t n = read_small_file(path, buf, sizeof buf);
        if (n > 0) {
            char *end;
            long got = strtol(buf, &end, 10);
            if (got == nonce && *end == ' ') {
                char *line = end + 1;
                char *nl = strchr(line, '\n');
                char *detail = NULL;
                if (nl) {
                    *nl = '\0';
                    detail = nl + 1;
                    detail[strcspn(detail, "\n")] = '\0';
                }
                printf("%s\n", line);
                if (detail && *detail)
                    errmsg("verify: %s", detail);
                return strncmp(line, "WORKLOAD-OK ", 12) == 0 ? 0 : 1;
            }
        }
        if (++polls % 50 == 0 && !daemon_alive(pid))
            return not_running("daemon died while verifying");
        if (now_ns(CLOCK_MONOTONIC) - start > timeout_s * 1000000000ull) {
            printf("WORKLOAD-FAIL no reply from daemon pid %d within %" PRIu64 " s\n",
                   (int)pid, timeout_s);
            return 1;
        }
    }
}

static int cmd_stop(const struct opts *o)
{
    if (need("stop", o->state_dir, "--state-dir") < 0)
        return 2;
    pid_t pid = read_pid_file(o->state_dir);
    if (pid < 0 || !daemon_alive(pid)) {
        errmsg("stop: daemon was not running%s%s", pid < 0 ? ": " : "", pid < 0 ? t_err : "");
        printf("STOPPED\n");
        return 0;
    }
    static const struct { int sig; uint64_t wait_ms; } steps[] = {
        { SIGTERM, 10000 }, { SIGKILL, 5000 },
    };
    for (size_t s = 0; s < 2; s++) {
        if (kill(pid, steps[s].sig) < 0 && errno != ESRCH) {
            errmsg("stop: kill(%d, %d): %s", (int)pid, steps[s].sig, strerror(errno));
            return 1;
        }
        for (uint64_t t = 0; t < steps[s].wait_ms; t += 10) {
            if (!daemon_alive(pid)) {
                printf("STOPPED\n");
                return 0;
            }
            sleep_ns(10000000);
        }
    }
    errmsg("stop: daemon pid %d still alive after SIGKILL", (int)pid);
    return 1;
}

static int write_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int write_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("WRITE-FAIL ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    return 1;
}

static int cmd_write_check(const struct opts *o)
{
    char path[PATH_MAX];
    if (need("write-check", o->dir, "--dir") < 0)
        return 2;
    if (join_path(path, sizeof path, o->dir, "kjump-write-check.bin") < 0)
        return write_fail("%s", t_err);

    uint8_t *want = malloc(BIG_FILE_BYTES), *got = malloc(BIG_FILE_BYTES);
    if (want == NULL || got == NULL)
        return write_fail("malloc: %s", strerror(errno));
    uint64_t key = fresh_random64();
    for (uint64_t i = 0; i < BIG_FILE_BYTES / 8; i++)
        ((uint64_t *)want)[i] = mix64(key + (i + 1) * GOLDEN);

    /* A new file (new inode, new blocks) every time, not an overwrite. */
    if (unlink(path) < 0 && errno != ENOENT)
        return write_fail("unlink %s: %s", path, strerror(errno));
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return write_fail("open %s: %s", path, strerror(errno));
    if (write_all(fd, want, BIG_FILE_BYTES) < 0)
        return write_fail("write %s: %s", path, strerror(errno));
    if (fsync(fd) < 0)
        return write_fail("fsync %s: %s", path, strerror(errno));
    if (fsync_dir(o->dir) < 0)
        return write_fail("%s", t_err);
    int e = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    if (e != 0)
        return write_fail("posix_fadvise %s DONTNEED: %s", path, strerror(e));

    /* How much is still cached?  If pages survived DONTNEED, the read-back
     * proves less than it should: say so on stderr. */
    void *map = mmap(NULL, BIG_FILE_BYTES, PROT_READ, MAP_SHARED, fd, 0);
    if (map != MAP_FAILED) {
        unsigned char vec[BIG_FILE_BYTES / 4096];
        size_t cached = 0;
        if (mincore(map, BIG_FILE_BYTES, vec) == 0) {
            for (size_t i = 0; i < sizeof vec; i++)
                cached += vec[i] & 1;
            if (cached)
                errmsg("write-check: warning: %zu of %zu pages of %s still cached after "
                       "DONTNEED; the read-back is partly from the page cache",
                       cached, sizeof vec, path);
        }
        munmap(map, BIG_FILE_BYTES);
    }

    ssize_t n = pread_full(fd, got, BIG_FILE_BYTES, 0);
    if (n < 0)
        return write_fail("read %s: %s", path, strerror(errno));
    if ((size_t)n != BIG_FILE_BYTES)
        return write_fail("read %s: short read %zd of %u bytes", path, n, BIG_FILE_BYTES);
    for (size_t i = 0; i < BIG_FILE_BYTES; i++)
        if (want[i] != got[i])
            return write_fail("%s offset %zu: expected 0x%02x got 0x%02x",
                              path, i, want[i], got[i]);
    if (close(fd) < 0)
        return write_fail("close %s: %s", path, strerror(errno));
    printf("WRITE-OK %s %u\n", path, BIG_FILE_BYTES);
    free(want);
    free(got);
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o = { 0 };
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    int r = parse_opts(argc, argv, &o);
    if (r == 1) {
        usage(stdout);
        return 0;
    }
    if (r != 0)
        return r;
    if (strcmp(cmd, "start") == 0)
        return cmd_start(&o);
    if (strcmp(cmd, "verify") == 0)
        return cmd_verify(&o);
    if (strcmp(cmd, "stop") == 0)
        return cmd_stop(&o);
    if (strcmp(cmd, "write-check") == 0)
        return cmd_write_check(&o);
    errmsg("unknown command '%s' (try --help)", cmd);
    return 2;
}
