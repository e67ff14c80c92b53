/* test_crash.c - crash safety of commits: a child `byline index` is killed
** with SIGKILL at random (seeded) moments, many times over; every time the
** index opens at one of its commits (the article count is one that was
** committed) and `byline check` passes. Batches replace some ids of the
** previous batch, so deletion files are written under fire too, and every
** other run optimizes (merges the whole index as it commits).
*/
#include "fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "byline.h"

#define KILLS 20
#define NEW_PER_BATCH 600
#define REPLACED_PER_BATCH 100

static const char *const words[] = {
    "storm", "coast", "market", "bank", "oil", "price", "minister", "vote",
    "election", "court", "trial", "police", "river", "flood", "harvest",
    "wheat", "export", "import", "strike", "union", "factory", "profit",
};
#define N_WORDS (sizeof words / sizeof words[0])

/* Batch b: NEW_PER_BATCH new ids and REPLACED_PER_BATCH of batch b-1. */
static void write_batch(const char *path, int b, fx_rng *r)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    for (int k = 0; k < NEW_PER_BATCH + (b > 0 ? REPLACED_PER_BATCH : 0);
         k++) {
        int batch = k < NEW_PER_BATCH ? b : b - 1;
        int n = 20 + (int)fx_rng_below(r, 80);

        fprintf(f, "{\"id\": \"b%d-%d\", \"title\": \"%s %s\", \"body\": \"",
                batch, k % NEW_PER_BATCH, words[fx_rng_below(r, N_WORDS)],
                words[fx_rng_below(r, N_WORDS)]);
        for (int i = 0; i < n; i++)
            fprintf(f, "%s%s%d", i ? " " : "",
                    words[fx_rng_below(r, N_WORDS)],
                    (int)fx_rng_below(r, 50));
        fprintf(f, "\", \"source\": \"wire\"}\n");
    }
    assert_int_equal(fclose(f), 0);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run `byline index input -o dir` (with --optimize when optimize),
** killing it after delay seconds (< 0: never). Returns true when it was
** killed before it exited. */
static bool run_index(const char *input, const char *dir, double delay,
                      bool optimize)
{
    pid_t pid;
    int status;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        char *args[] = {"byline", "index", "--ram", "4", "--threads", "2",
                        (char *)input, "-o", (char *)dir, "--optimize", NULL};

        if (!optimize)
            args[9] = NULL;
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        execv(fx_byline(), args);
        _exit(127);
    }
    if (delay >= 0) {
        struct timespec ts;

        ts.tv_sec = (time_t)delay;
        ts.tv_nsec = (long)((delay - (double)ts.tv_sec) * 1e9);
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        return true;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    return false;
}

/* The article id of the last committed batch (never replaced) is there,
** and so is one replaced by it, in its newer version's batch. */
static void assert_has(const char *dir, int batch)
{
    char id[32];
    bl_index *ix;
    bl_doc *d;

    assert_int_equal(bl_index_open(dir, &ix), BL_OK);
    snprintf(id, sizeof id, "b%d-%d", batch, NEW_PER_BATCH - 1);
    assert_int_equal(bl_index_get(ix, id, &d), BL_OK);
    assert_string_equal(d->id, id);
    bl_doc_free(d);
    snprintf(id, sizeof id, "b%d-0", batch);
    assert_int_equal(bl_index_get(ix, id, &d), BL_OK);
    bl_doc_free(d);
    bl_index_close(ix);
}

/* Live articles of the index's current commit. */
static uint64_t live_docs(const char *dir)
{
    bl_index *ix;
    bl_stats st;

    assert_int_equal(bl_index_open(dir, &ix), BL_OK);
    assert_int_equal(bl_index_stats(ix, &st), BL_OK);
    bl_index_close(ix);
    return st.docs;
}

static void killed_writer_leaves_last_commit(void **state)
{
    char *tmp = fx_tmpdir(), dir[4096], input[4096], *out;
    uint64_t committed, expected;
    double start, window, done;
    int kills = 0, completed = 0, last = 0;
    fx_rng r;
    (void)state;

    fx_rng_seed(&r, 20261126);
    snprintf(dir, sizeof dir, "%s/idx", tmp);
    snprintf(input, sizeof input, "%s/batch.jsonl", tmp);
    write_batch(input, 0, &r);
    start = now();
    assert_false(run_index(input, dir, -1, false));
    window = done = now() - start;
    committed = live_docs(dir);
    assert_true(committed == NEW_PER_BATCH);
    for (int b = 1; kills < KILLS; b++) {
        double delay = 1.2 * window * (double)fx_rng_below(&r, 1000) / 1000.0;
        uint64_t docs;

        write_batch(input, b, &r);
        expected = committed + NEW_PER_BATCH;
        /* Kill within about the time the last completed run took (runs
        ** grow with the index); the window widens while no run gets
        ** through, so that commits keep happening. */
        start = now();
        if (run_index(input, dir, delay, b % 2 == 1)) {
            kills++;
            if (window < 4 * done)
                window *= 1.2;
        } else {
            completed++;
            window = done = now() - start;
        }
        docs = live_docs(dir);
        if (docs != committed && docs != expected)
            fail_msg("after a kill at %.3f s: %llu articles, committed "
                     "%llu or %llu", delay, (unsigned long long)docs,
                     (unsigned long long)committed,
                     (unsigned long long)expected);
        if (docs == expected) {
            committed = expected;
            last = b;
        } else {
            /* The batch was lost: the next batch's replacements refer to
            ** ids that never made it, which only adds them. */
            b--;
        }
        assert_has(dir, last);
        /* The check, in process; every fifth time as `byline check`. */
        if (kills % 5 == 0) {
            if (fx_run(&out, "%s check %s 2>&1", fx_byline(), dir) != 0)
                fail_msg("check failed after a kill at %.3f s: %s", delay,
                         out);
            free(out);
        } else {
            char msg[1024];

            if (bl_index_check(dir, msg, sizeof msg, NULL, NULL) != BL_OK)
                fail_msg("check failed after a kill at %.3f s: %s", delay,
                         msg);
        }
    }
    print_message("%d kills, %d runs completed, last window %.2f s, %llu "
                  "articles committed\n", kills, completed, window,
                  (unsigned long long)committed);
    /* A clean run afterwards sweeps whatever the kills left behind. */
    write_batch(input, 999, &r);
    assert_false(run_index(input, dir, -1, true));
    assert_int_equal(fx_run(NULL, "%s check %s", fx_byline(), dir), 0);
    {
        bl_index *ix;
        bl_stats st;

        assert_int_equal(bl_index_open(dir, &ix), BL_OK);
        assert_int_equal(bl_index_stats(ix, &st), BL_OK);
        assert_true(st.segments == 1 && st.deleted == 0);
        bl_index_close(ix);
    }
    assert_int_equal(fx_run(&out, "ls %s | grep -c tmp", dir), 1);
    free(out);
    fx_rmtree(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(killed_writer_leaves_last_commit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
