/* test_ledger.c — the ledger: states, retries, executions, the summary
 * that "no lost jobs" and "exactly once" are read from, order, growth. */
#include <errno.h>
#include <stdlib.h>

#include "service/svc.h"
#include "tests/testutil.h"

static svc_ledger *mk(void)
{
    svc_ledger *l = NULL;
    ck_assert_int_eq(svc_ledger_create(&l), 0);
    return l;
}

START_TEST(states_retries_and_summary)
{
    svc_ledger *l = mk();
    /* 1: completed once; 2: retried, ran twice (a duplicate); 3: lost;
     * 4: rejected; 5: failed then completed by a retry. */
    ck_assert_int_eq(svc_ledger_submit(l, 1, 10), 0);
    svc_ledger_exec(l, 1);
    svc_ledger_final(l, 1, SVC_JOB_COMPLETED, 0, 20);
    svc_ledger_submit(l, 2, 11);
    svc_ledger_exec(l, 2);
    svc_ledger_submit(l, 2, 30);
    svc_ledger_exec(l, 2);
    svc_ledger_final(l, 2, SVC_JOB_COMPLETED, 0, 40);
    svc_ledger_submit(l, 3, 12);
    svc_ledger_submit(l, 4, 13);
    svc_ledger_final(l, 4, SVC_JOB_REJECTED, -EAGAIN, 13);
    svc_ledger_submit(l, 5, 14);
    svc_ledger_exec(l, 5);
    svc_ledger_final(l, 5, SVC_JOB_FAILED, -EIO, 15);
    svc_ledger_submit(l, 5, 16);
    svc_ledger_exec(l, 5);
    svc_ledger_final(l, 5, SVC_JOB_COMPLETED, 0, 17);

    svc_ledger_sum s;
    svc_ledger_summary(l, &s);
    ck_assert_uint_eq(s.jobs, 5);
    ck_assert_uint_eq(s.by_state[SVC_JOB_COMPLETED], 3);
    ck_assert_uint_eq(s.by_state[SVC_JOB_ACCEPTED], 1); /* lost: job 3 */
    ck_assert_uint_eq(s.by_state[SVC_JOB_REJECTED], 1);
    ck_assert_uint_eq(s.execs, 5);
    ck_assert_uint_eq(s.duplicated, 2);                 /* jobs 2 and 5 */
    ck_assert_uint_eq(s.retried, 2);
    ck_assert_uint_eq(s.never_run, 0);

    svc_job_rec r;
    ck_assert_int_eq(svc_ledger_get(l, 2, &r), 0);
    ck_assert_uint_eq(r.submits, 2);
    ck_assert_uint_eq(r.execs, 2);
    ck_assert_int_eq(r.first_at, 11);
    ck_assert_int_eq(r.final_at, 40);
    ck_assert_int_eq(svc_ledger_get(l, 5, &r), 0);
    ck_assert_int_eq(r.state, SVC_JOB_COMPLETED); /* the last word wins */
    ck_assert_int_eq(svc_ledger_get(l, 99, &r), -ENOENT);
    ck_assert_int_eq(svc_ledger_final(l, 1, SVC_JOB_ACCEPTED, 0, 1), -EINVAL);
    ck_assert_str_eq(svc_job_state_name(SVC_JOB_CANCELLED), "cancelled");
    svc_ledger_release(l);
}
END_TEST

START_TEST(completed_without_running_is_counted)
{
    svc_ledger *l = mk();
    svc_ledger_submit(l, 7, 1);
    svc_ledger_final(l, 7, SVC_JOB_COMPLETED, 0, 2); /* a bug: no exec */
    svc_ledger_sum s;
    svc_ledger_summary(l, &s);
    ck_assert_uint_eq(s.never_run, 1);
    svc_ledger_release(l);
}
END_TEST

START_TEST(many_sparse_jobs_in_first_submission_order)
{
    enum { N = 200000 };
    svc_ledger *l = mk();
    for (uint64_t i = 1; i <= N; i++) /* ids scattered above 2^24, order kept */
        ck_assert_int_eq(svc_ledger_submit(l, (i * 2654435761u) | 1, (int64_t)i), 0);
    for (uint64_t i = 1; i <= N; i += 2)
        svc_ledger_final(l, (i * 2654435761u) | 1, SVC_JOB_COMPLETED, 0, (int64_t)i);
    svc_job_rec *rs = malloc(N * sizeof *rs);
    ck_assert_uint_eq(svc_ledger_jobs(l, rs, N), N);
    for (uint64_t i = 1; i <= N; i++) {
        ck_assert_uint_eq(rs[i - 1].id, (i * 2654435761u) | 1);
        ck_assert_int_eq(rs[i - 1].state, i % 2 ? SVC_JOB_COMPLETED : SVC_JOB_ACCEPTED);
        ck_assert_int_eq(rs[i - 1].first_at, (int64_t)i);
    }
    free(rs);
    svc_ledger_sum s;
    svc_ledger_summary(l, &s);
    ck_assert_uint_eq(s.by_state[SVC_JOB_ACCEPTED], N / 2);
    svc_ledger_release(l);
}
END_TEST

/* Ids below 2^24 come out ascending whatever their submission order, with
 * no record for the holes between them, then the larger ids in order of
 * first submission; max cuts the copy, not the count. */
START_TEST(small_ids_ascending_then_large_ones)
{
    static const uint64_t in[] = {(1u << 24) + 5, 300000, 7, 0, (1u << 24), 65536, 65535, 1u << 30,
                                  (1u << 24) - 1};
    static const uint64_t want[] = {0, 7, 65535, 65536, 300000, (1u << 24) - 1, (1u << 24) + 5,
                                    1u << 24, 1u << 30};
    enum { N = sizeof in / sizeof in[0] };
    svc_ledger *l = mk();
    for (size_t i = 0; i < N; i++) {
        ck_assert_int_eq(svc_ledger_submit(l, in[i], (int64_t)i + 1), 0);
        ck_assert_int_eq(svc_ledger_submit(l, in[i], 100), 0); /* a retry: the same record */
    }
    svc_ledger_exec(l, 65536);
    ck_assert_int_eq(svc_ledger_final(l, 65536, SVC_JOB_FAILED, -EIO, 50), 0);
    svc_job_rec rs[N + 1];
    ck_assert_uint_eq(svc_ledger_jobs(l, rs, N + 1), N);
    for (size_t i = 0; i < N; i++) {
        ck_assert_uint_eq(rs[i].id, want[i]);
        ck_assert_uint_eq(rs[i].submits, 2);
    }
    ck_assert_int_eq(rs[3].state, SVC_JOB_FAILED);
    ck_assert_int_eq(rs[3].err, -EIO);
    ck_assert_uint_eq(rs[3].execs, 1);
    ck_assert_int_eq(rs[3].first_at, 6);
    ck_assert_int_eq(rs[3].final_at, 50);
    svc_job_rec two[2] = {{0}, {.id = 12345}};
    ck_assert_uint_eq(svc_ledger_jobs(l, two, 1), N);
    ck_assert_uint_eq(two[0].id, 0);
    ck_assert_uint_eq(two[1].id, 12345); /* untouched past max */
    svc_job_rec r;
    ck_assert_int_eq(svc_ledger_get(l, 8, &r), -ENOENT); /* a hole */
    ck_assert_int_eq(svc_ledger_get(l, (1u << 24) - 2, &r), -ENOENT);
    ck_assert_int_eq(svc_ledger_get(l, (1u << 24) - 1, &r), 0);
    svc_ledger_sum s;
    svc_ledger_summary(l, &s);
    ck_assert_uint_eq(s.jobs, N);
    ck_assert_uint_eq(s.retried, N);
    ck_assert_uint_eq(s.by_state[SVC_JOB_ACCEPTED], N - 1);
    svc_ledger_release(l);
}
END_TEST

/* An exec or a final state for an id never submitted makes its record. */
START_TEST(exec_or_final_first_makes_the_record)
{
    svc_ledger *l = mk();
    ck_assert_int_eq(svc_ledger_exec(l, 3), 0);
    ck_assert_int_eq(svc_ledger_final(l, (1u << 24) + 1, SVC_JOB_CANCELLED, -ECANCELED, 9), 0);
    svc_job_rec r;
    ck_assert_int_eq(svc_ledger_get(l, 3, &r), 0);
    ck_assert_int_eq(r.state, SVC_JOB_ACCEPTED);
    ck_assert_uint_eq(r.submits, 0);
    ck_assert_uint_eq(r.execs, 1);
    ck_assert_int_eq(svc_ledger_get(l, (1u << 24) + 1, &r), 0);
    ck_assert_int_eq(r.state, SVC_JOB_CANCELLED);
    ck_assert_int_eq(r.first_at, 9);
    svc_ledger_sum s;
    svc_ledger_summary(l, &s);
    ck_assert_uint_eq(s.jobs, 2);
    svc_ledger_release(l);
}
END_TEST

Suite *suite_service_ledger(void)
{
    Suite *s = suite_create("service_ledger");
    TCase *tc = tcase_create("ledger");
    tcase_add_test(tc, states_retries_and_summary);
    tcase_add_test(tc, completed_without_running_is_counted);
    tcase_add_test(tc, many_sparse_jobs_in_first_submission_order);
    tcase_add_test(tc, small_ids_ascending_then_large_ones);
    tcase_add_test(tc, exec_or_final_first_makes_the_record);
    suite_add_tcase(s, tc);
    return s;
}
