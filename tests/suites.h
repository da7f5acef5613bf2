/* suites.h — every Check suite the test runner knows, one line each:
 * X(name) declares and runs `Suite *suite_<name>(void)`. Module test files
 * live in tests/<module>/ and define exactly the suites listed here. */
#define TEST_SUITES(X)      \
    X(runtime_sched)        \
    X(runtime_task)         \
    X(runtime_chan)         \
    X(runtime_select)       \
    X(runtime_ctx)          \
    X(runtime_sync)         \
    X(runtime_group)        \
    X(runtime_timer)        \
    X(runtime_registry)     \
    X(runtime_fault)        \
    X(runtime_alloc)        \
    X(runtime_net)          \
    X(runtime_netreal)      \
    X(inject_kinds)         \
    X(inject_activation)    \
    X(inject_arm)           \
    X(inject_log)           \
    X(inject_alloc)         \
    X(inject_net)           \
    X(service_ledger)       \
    X(service_pool)         \
    X(service_pipeline)     \
    X(service_dep)          \
    X(service_dep_targets)  \
    X(service_front)        \
    X(service_load)         \
    X(service_docs)         \
    X(harness_metrics)      \
    X(harness_cli)          \
    X(harness_load)         \
    X(harness_load_sandbox) \
    X(harness_shipped)      \
    X(harness_checks)       \
    X(harness_checks_timing) \
    X(harness_script)       \
    X(harness_docs)         \
    X(harness_mutants)      \
    X(harness_real)         \
    X(reports_suite)        \
    X(reports_html)         \
    X(reports_chart)        \
    X(reports_junit)        \
    X(reports_schema)
