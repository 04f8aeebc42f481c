/* Tests of the casiscan C API: success, NULL arguments, error statuses and messages, _free(NULL).
 * Usage: test_api SCRATCH_DIR   (prints "N passed, N failed"; exit 1 on any failure). */
#include "casiscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) {                                                              \
            passed++;                                                            \
        } else {                                                                 \
            failed++;                                                            \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);      \
        }                                                                        \
    } while (0)

static char last[512];

static const char *last_error(void) {
    size_t written = 0;
    if (casiscan_last_error_message(last, sizeof last, &written) != CASISCAN_STATUS_OK) {
        return "<no message>";
    }
    return last;
}

static const char XML[] =
    "<nmaprun scanner=\"nmap\" version=\"7.94\"><host><status state=\"up\"/>"
    "<address addr=\"10.0.0.1\" addrtype=\"ipv4\"/><ports>"
    "<port protocol=\"tcp\" portid=\"22\"><state state=\"open\"/><service name=\"ssh\"/></port>"
    "</ports></host></nmaprun>";

static void test_version_and_errors(void) {
    const char *v = casiscan_version();
    CHECK(v != NULL && strlen(v) > 0);
    casiscan_string_free(NULL);
    casiscan_client_free(NULL);
    casiscan_nmap_run_free(NULL);

    casiscan_nmap_run *run = NULL;
    CHECK(casiscan_nmap_parse(NULL, 3, &run) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(strstr(last_error(), "data") != NULL);
    size_t full = 0;
    char tiny[5];
    CHECK(casiscan_last_error_message(tiny, sizeof tiny, &full) == CASISCAN_STATUS_OK);
    CHECK(full > 4 && strlen(tiny) == 4); /* truncated, NUL-terminated */
    CHECK(casiscan_last_error_message(NULL, 0, &full) == CASISCAN_STATUS_OK && full > 0);
    full = 77;
    CHECK(casiscan_last_error_message(NULL, 10, &full) == CASISCAN_STATUS_NULL_ARGUMENT && full == 77);
    CHECK(casiscan_last_error_message(tiny, sizeof tiny, NULL) == CASISCAN_STATUS_OK && strlen(tiny) == 4);
}

static void test_nmap(const char *dir) {
    casiscan_nmap_run *run = NULL;
    CHECK(casiscan_nmap_parse((const uint8_t *)XML, strlen(XML), NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    const char *bad = "<nmaprun>\n<host></hots>";
    CHECK(casiscan_nmap_parse((const uint8_t *)bad, strlen(bad), &run) == CASISCAN_STATUS_PARSE);
    CHECK(run == NULL); /* outputs only on success */
    CHECK(strstr(last_error(), "line 2") != NULL);
    CHECK(casiscan_nmap_parse((const uint8_t *)XML, strlen(XML), &run) == CASISCAN_STATUS_OK);
    CHECK(run != NULL);

    size_t hosts = 0, ports = 0;
    bool incomplete = true;
    CHECK(casiscan_nmap_run_host_count(run, &hosts) == CASISCAN_STATUS_OK && hosts == 1);
    CHECK(casiscan_nmap_run_host_count(NULL, &hosts) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_nmap_run_host_count(run, NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_nmap_run_incomplete(run, &incomplete) == CASISCAN_STATUS_OK && !incomplete);
    CHECK(casiscan_nmap_run_incomplete(run, NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    char *addr = NULL;
    CHECK(casiscan_nmap_run_host_address(run, 0, &addr) == CASISCAN_STATUS_OK && strcmp(addr, "10.0.0.1") == 0);
    casiscan_string_free(addr);
    addr = NULL;
    CHECK(casiscan_nmap_run_host_address(run, 5, &addr) == CASISCAN_STATUS_NOT_FOUND && addr == NULL);
    CHECK(strstr(last_error(), "no host 5") != NULL);
    CHECK(casiscan_nmap_run_host_address(run, 0, NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_nmap_run_port_count(run, 0, &ports) == CASISCAN_STATUS_OK && ports == 1);
    CHECK(casiscan_nmap_run_port_count(run, 3, &ports) == CASISCAN_STATUS_NOT_FOUND);
    uint32_t number = 0;
    char *state = NULL, *service = NULL;
    CHECK(casiscan_nmap_run_port(run, 0, 0, &number, &state, &service) == CASISCAN_STATUS_OK);
    CHECK(number == 22 && strcmp(state, "open") == 0 && strcmp(service, "ssh") == 0);
    casiscan_string_free(state);
    casiscan_string_free(service);
    CHECK(casiscan_nmap_run_port(run, 0, 9, &number, &state, &service) == CASISCAN_STATUS_NOT_FOUND);
    CHECK(casiscan_nmap_run_port(run, 0, 0, NULL, &state, &service) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_nmap_run_port(run, 0, 0, &number, NULL, &service) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_nmap_run_port(run, 0, 0, &number, &state, NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    char *json = NULL;
    CHECK(casiscan_nmap_run_to_json(run, &json) == CASISCAN_STATUS_OK && strstr(json, "\"portid\":22") != NULL);
    casiscan_string_free(json);
    CHECK(casiscan_nmap_run_to_json(run, NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    char *diff = NULL;
    CHECK(casiscan_nmap_diff_json(run, run, &diff) == CASISCAN_STATUS_OK && strstr(diff, "\"hosts\":[]") != NULL);
    casiscan_string_free(diff);
    CHECK(casiscan_nmap_diff_json(NULL, run, &diff) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_nmap_diff_json(run, run, NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    casiscan_nmap_run_free(run);

    char path[1024];
    snprintf(path, sizeof path, "%s/scan.xml", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(XML, f);
        fclose(f);
    }
    run = NULL;
    CHECK(casiscan_nmap_parse_file(path, &run) == CASISCAN_STATUS_OK && run != NULL);
    casiscan_nmap_run_free(run);
    run = NULL;
    CHECK(casiscan_nmap_parse_file("/nonexistent/scan.xml", &run) == CASISCAN_STATUS_IO && run == NULL);
    CHECK(strstr(last_error(), "/nonexistent/scan.xml") != NULL);
    CHECK(casiscan_nmap_parse_file(NULL, &run) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_nmap_parse_file(path, NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_nmap_parse_file("\xff\xfe", &run) == CASISCAN_STATUS_INVALID_UTF8);
    CHECK(casiscan_nmap_parse((const uint8_t *)XML, strlen(XML), &run) == CASISCAN_STATUS_OK);
    CHECK(last_error()[0] == '\0'); /* a success clears the message */
    CHECK(casiscan_nmap_run_incomplete(NULL, &incomplete) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_nmap_run_host_address(NULL, 0, &addr) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_nmap_run_port_count(NULL, 0, &ports) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_nmap_run_port_count(run, 0, NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_nmap_run_port(NULL, 0, 0, &number, &state, &service) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_nmap_run_to_json(NULL, &json) == CASISCAN_STATUS_NULL_ARGUMENT);
    casiscan_nmap_run_free(run);
    run = NULL;
    snprintf(path, sizeof path, "%s/broken.xml", dir);
    f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("<nmaprun>\n<host></hots>", f);
        fclose(f);
    }
    CHECK(casiscan_nmap_parse_file(path, &run) == CASISCAN_STATUS_PARSE && run == NULL);
    CHECK(strstr(last_error(), "line 2") != NULL);
}

static void test_client(const char *dir) {
    char db[1024];
    snprintf(db, sizeof db, "%s/capi.db", dir);
    casiscan_client *client = NULL;
    CHECK(casiscan_client_new(NULL, &client) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_new(db, NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_new("\xff", &client) == CASISCAN_STATUS_INVALID_UTF8 && client == NULL);
    CHECK(casiscan_client_new("/nonexistent-dir/capi.db", &client) == CASISCAN_STATUS_STORAGE && client == NULL);
    CHECK(last_error()[0] != '\0');
    CHECK(casiscan_client_new("postgres://[bad", &client) == CASISCAN_STATUS_INVALID_INPUT && client == NULL);
    CHECK(casiscan_client_new(db, &client) == CASISCAN_STATUS_OK && client != NULL);

    const char *scan = "{\"owner\":\"admin\",\"name\":\"web\",\"createdTime\":\"2026-01-01T00:00:00Z\","
                       "\"updatedTime\":\"2026-01-01T00:00:00Z\",\"target\":\"127.0.0.1\",\"command\":\"-sT -p 22\"}";
    char *out = NULL;
    CHECK(casiscan_client_add_scan(client, scan, &out) == CASISCAN_STATUS_OK && strstr(out, "\"state\":\"Created\"") != NULL);
    casiscan_string_free(out);
    out = NULL;
    CHECK(casiscan_client_add_scan(client, scan, &out) == CASISCAN_STATUS_CONFLICT && out == NULL);
    CHECK(strstr(last_error(), "already exists") != NULL);
    CHECK(casiscan_client_add_scan(client, "{not json", &out) == CASISCAN_STATUS_INVALID_INPUT);
    CHECK(casiscan_client_add_scan(NULL, scan, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_add_scan(client, NULL, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_add_scan(client, scan, NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    const char *hostile = "{\"owner\":\"admin\",\"name\":\"evil\",\"createdTime\":\"2026-01-01T00:00:00Z\","
                          "\"updatedTime\":\"2026-01-01T00:00:00Z\",\"target\":\"-oN /etc/passwd\"}";
    CHECK(casiscan_client_add_scan(client, hostile, &out) == CASISCAN_STATUS_INVALID_INPUT);
    CHECK(strstr(last_error(), "invalid target") != NULL);

    CHECK(casiscan_client_get_scan(client, "admin/web", &out) == CASISCAN_STATUS_OK && strstr(out, "127.0.0.1") != NULL);
    casiscan_string_free(out);
    CHECK(casiscan_client_get_scan(client, "admin/none", &out) == CASISCAN_STATUS_NOT_FOUND);
    CHECK(strstr(last_error(), "not found") != NULL);
    CHECK(casiscan_client_get_scan(client, "a/b/c", &out) == CASISCAN_STATUS_INVALID_INPUT);
    CHECK(casiscan_client_get_scan(client, NULL, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_get_scan(NULL, "admin/web", &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_get_scan(client, "admin/web", NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_get_scan(client, "\xff/web", &out) == CASISCAN_STATUS_INVALID_UTF8);
    CHECK(strstr(last_error(), "UTF-8") != NULL);

    casiscan_scan_state st = CASISCAN_SCAN_STATE_FAILED;
    CHECK(casiscan_client_scan_state(client, "admin/web", &st) == CASISCAN_STATUS_OK && st == CASISCAN_SCAN_STATE_CREATED);
    CHECK(casiscan_client_scan_state(client, "admin/web", NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_scan_state(NULL, "admin/web", &st) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_scan_state(client, NULL, &st) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_scan_state(client, "admin/none", &st) == CASISCAN_STATUS_NOT_FOUND && st == CASISCAN_SCAN_STATE_CREATED);

    CHECK(casiscan_client_list_scans(client, "admin", 1, 10, &out) == CASISCAN_STATUS_OK && strstr(out, "\"total\":1") != NULL);
    casiscan_string_free(out);
    CHECK(casiscan_client_list_scans(client, NULL, 0, 0, &out) == CASISCAN_STATUS_OK);
    casiscan_string_free(out);
    CHECK(casiscan_client_list_scans(client, "admin", 0, 10, NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_list_scans(NULL, "admin", 0, 10, &out) == CASISCAN_STATUS_NULL_ARGUMENT);

    const char *edit = "{\"owner\":\"admin\",\"name\":\"web\",\"createdTime\":\"2026-01-01T00:00:00Z\","
                       "\"updatedTime\":\"2026-01-01T00:00:00Z\",\"target\":\"::1\",\"command\":\"-sT -p 80\"}";
    CHECK(casiscan_client_update_scan(client, "admin/web", edit, &out) == CASISCAN_STATUS_OK && strstr(out, "::1") != NULL);
    casiscan_string_free(out);
    CHECK(casiscan_client_update_scan(client, "admin/web", NULL, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_update_scan(NULL, "admin/web", edit, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_update_scan(client, NULL, edit, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_update_scan(client, "admin/web", edit, NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_update_scan(client, "admin/none", edit, &out) == CASISCAN_STATUS_INVALID_INPUT);
    CHECK(strstr(last_error(), "renaming is not supported") != NULL);

    CHECK(casiscan_client_start_scan(client, "admin/web", &out) == CASISCAN_STATUS_OK && strstr(out, "Pending") != NULL);
    casiscan_string_free(out);
    CHECK(casiscan_client_update_scan(client, "admin/web", edit, &out) == CASISCAN_STATUS_CONFLICT);
    CHECK(casiscan_client_clear_scan(client, "admin/web", &out) == CASISCAN_STATUS_CONFLICT);
    CHECK(strstr(last_error(), "Pending") != NULL);
    CHECK(casiscan_client_cancel_scan(client, "admin/web", &out) == CASISCAN_STATUS_OK && strstr(out, "Canceled") != NULL);
    casiscan_string_free(out);
    CHECK(casiscan_client_clear_scan(client, "admin/web", &out) == CASISCAN_STATUS_OK && strstr(out, "Created") != NULL);
    casiscan_string_free(out);
    CHECK(casiscan_client_start_scan(NULL, "admin/web", &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_cancel_scan(client, NULL, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_clear_scan(client, "admin/web", NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_start_scan(client, NULL, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_start_scan(client, "admin/web", NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_start_scan(client, "admin/none", &out) == CASISCAN_STATUS_NOT_FOUND);
    /* Casibase's new scan names no provider: it is added, and cannot start until one is set. */
    const char *unset = "{\"owner\":\"admin\",\"name\":\"unset\",\"provider\":\"\",\"target\":\"127.0.0.1\"}";
    CHECK(casiscan_client_add_scan(client, unset, &out) == CASISCAN_STATUS_OK && strstr(out, "\"provider\":\"\"") != NULL);
    casiscan_string_free(out);
    out = NULL;
    CHECK(casiscan_client_start_scan(client, "admin/unset", &out) == CASISCAN_STATUS_INVALID_INPUT && out == NULL);
    CHECK(strstr(last_error(), "no provider") != NULL);
    CHECK(casiscan_client_cancel_scan(NULL, "admin/web", &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_cancel_scan(client, "admin/web", NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_cancel_scan(client, "admin/web", &out) == CASISCAN_STATUS_CONFLICT); /* Created */
    CHECK(casiscan_client_clear_scan(NULL, "admin/web", &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_clear_scan(client, NULL, &out) == CASISCAN_STATUS_NULL_ARGUMENT);

    CHECK(casiscan_client_delete_scan(client, "admin/web", false) == CASISCAN_STATUS_OK);
    CHECK(casiscan_client_delete_scan(client, "admin/web", false) == CASISCAN_STATUS_NOT_FOUND);
    CHECK(casiscan_client_delete_scan(NULL, "admin/web", false) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_delete_scan(client, NULL, false) == CASISCAN_STATUS_NULL_ARGUMENT);

    /* Stored scan logs, page by page (none were recorded in this database). */
    CHECK(casiscan_client_scan_logs_json(client, "admin", "2026-03-01", "2026-03-02", NULL, 100, &out) == CASISCAN_STATUS_OK);
    CHECK(strcmp(out, "{\"logs\":[],\"nextCursor\":null}") == 0);
    casiscan_string_free(out);
    out = NULL;
    CHECK(casiscan_client_scan_logs_json(client, "admin", "2026-03-01", "2026-03-02", "not-a-cursor", 100, &out) == CASISCAN_STATUS_INVALID_INPUT && out == NULL);
    CHECK(strstr(last_error(), "cursor") != NULL);
    CHECK(casiscan_client_scan_logs_json(client, "admin", "2026-3-1", "2026-03-02", NULL, 100, &out) == CASISCAN_STATUS_INVALID_INPUT);
    CHECK(casiscan_client_scan_logs_json(client, "admin", "2026-03-01", "2026-03-02", NULL, 0, &out) == CASISCAN_STATUS_INVALID_INPUT);
    CHECK(casiscan_client_scan_logs_json(client, "admin", "2026-03-01", "2026-03-02", NULL, 5001, &out) == CASISCAN_STATUS_INVALID_INPUT);
    CHECK(casiscan_client_scan_logs_json(NULL, "admin", "2026-03-01", "2026-03-02", NULL, 100, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_scan_logs_json(client, NULL, "2026-03-01", "2026-03-02", NULL, 100, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_scan_logs_json(client, "admin", NULL, "2026-03-02", NULL, 100, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_scan_logs_json(client, "admin", "2026-03-01", "2026-03-02", NULL, 100, NULL) == CASISCAN_STATUS_NULL_ARGUMENT);

    casiscan_client_free(client);
}

/* Schedules: set from JSON, read back on the scan, bad input refused naming the field (nothing
   changes), removed with NULL. */
static void test_schedule(const char *dir) {
    char db[1024];
    snprintf(db, sizeof db, "%s/capi-schedule.db", dir);
    remove(db);
    casiscan_client *client = NULL;
    CHECK(casiscan_client_new(db, &client) == CASISCAN_STATUS_OK && client != NULL);
    const char *scan = "{\"owner\":\"admin\",\"name\":\"nightly\",\"createdTime\":\"2026-01-01T00:00:00Z\","
                       "\"updatedTime\":\"2026-01-01T00:00:00Z\",\"target\":\"127.0.0.1\",\"command\":\"-sT -p 22\"}";
    char *out = NULL;
    CHECK(casiscan_client_add_scan(client, scan, &out) == CASISCAN_STATUS_OK && strstr(out, "\"schedule\":null") != NULL);
    casiscan_string_free(out);
    out = NULL;
    const char *cron = "{\"kind\":\"cron\",\"expression\":\"0 3 * * *\",\"timeZone\":\"Europe/Paris\"}";
    CHECK(casiscan_client_set_scan_schedule(client, "admin/nightly", cron, &out) == CASISCAN_STATUS_OK);
    CHECK(out != NULL && strstr(out, "\"timeZone\":\"Europe/Paris\"") != NULL && strstr(out, "\"nextRunTime\":\"20") != NULL);
    casiscan_string_free(out);
    out = NULL;
    const char *bad[][2] = {
        {"{\"kind\":\"cron\",\"expression\":\"0 3 * *\"}", "schedule.expression"},
        {"{\"kind\":\"cron\",\"expression\":\"0 3 * * *\",\"timeZone\":\"Nowhere/City\"}", "schedule.timeZone"},
        {"{\"kind\":\"interval\",\"everySeconds\":59}", "schedule.everySeconds"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(casiscan_client_set_scan_schedule(client, "admin/nightly", bad[i][0], &out) == CASISCAN_STATUS_INVALID_INPUT && out == NULL);
        CHECK(strstr(last_error(), bad[i][1]) != NULL);
    }
    CHECK(casiscan_client_get_scan(client, "admin/nightly", &out) == CASISCAN_STATUS_OK && strstr(out, "\"expression\":\"0 3 * * *\"") != NULL);
    casiscan_string_free(out);
    out = NULL;
    CHECK(casiscan_client_set_scan_schedule(client, "admin/none", cron, &out) == CASISCAN_STATUS_NOT_FOUND);
    CHECK(casiscan_client_set_scan_schedule(client, "admin/nightly", "{not json", &out) == CASISCAN_STATUS_INVALID_INPUT);
    CHECK(casiscan_client_set_scan_schedule(NULL, "admin/nightly", cron, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_set_scan_schedule(client, NULL, cron, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_set_scan_schedule(client, "admin/nightly", cron, NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_set_scan_schedule(client, "admin/nightly", NULL, &out) == CASISCAN_STATUS_OK && strstr(out, "\"schedule\":null") != NULL);
    casiscan_string_free(out);
    casiscan_client_free(client);
}

/* Scope: a policy set from JSON; every scan write of an out-of-scope target is refused with
   CASISCAN_STATUS_FORBIDDEN naming target and rule; malformed entries name the field. */
static void test_scope(const char *dir) {
    char db[1024];
    snprintf(db, sizeof db, "%s/capi-scope.db", dir);
    remove(db);
    casiscan_client *client = NULL;
    CHECK(casiscan_client_new(db, &client) == CASISCAN_STATUS_OK && client != NULL);
    char *out = NULL;
    const char *policy = "{\"allow\":[\"10.0.0.0/8\",\"*.corp.example\"],\"deny\":[\"10.66.0.0/16\"]}";
    CHECK(casiscan_client_set_scope_policy(client, "acme", policy, &out) == CASISCAN_STATUS_OK && strstr(out, "10.66.0.0/16") != NULL);
    casiscan_string_free(out);
    out = NULL;
    CHECK(casiscan_client_set_scope_policy(client, "acme", "{\"allow\":[\"10.0.0.0/8\",\"bad!\"]}", &out) == CASISCAN_STATUS_INVALID_INPUT && out == NULL);
    CHECK(strstr(last_error(), "scope.allow[1]") != NULL);
    CHECK(casiscan_client_set_scope_policy(client, "acme", "{\"deny\":[\"10.0.0.0/8\",\"10.1.0.0/16\"]}", &out) == CASISCAN_STATUS_INVALID_INPUT);
    CHECK(strstr(last_error(), "scope.deny") != NULL);
    const char *targets[][2] = {
        {"198.51.100.7", "not covered"},
        {"10.66.0.9", "denied by `10.66.0.0/16`"},
        {"www.elsewhere.example", "not covered"},
    };
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        char scan[512];
        snprintf(scan, sizeof scan,
                 "{\"owner\":\"acme\",\"name\":\"s%zu\",\"createdTime\":\"2026-01-01T00:00:00Z\","
                 "\"updatedTime\":\"2026-01-01T00:00:00Z\",\"target\":\"%s\"}", i, targets[i][0]);
        CHECK(casiscan_client_add_scan(client, scan, &out) == CASISCAN_STATUS_FORBIDDEN && out == NULL);
        CHECK(strstr(last_error(), targets[i][0]) != NULL && strstr(last_error(), targets[i][1]) != NULL);
    }
    const char *ok = "{\"owner\":\"acme\",\"name\":\"ok\",\"createdTime\":\"2026-01-01T00:00:00Z\","
                     "\"updatedTime\":\"2026-01-01T00:00:00Z\",\"target\":\"10.1.1.1\"}";
    CHECK(casiscan_client_add_scan(client, ok, &out) == CASISCAN_STATUS_OK);
    casiscan_string_free(out);
    out = NULL;
    const char *moved = "{\"owner\":\"acme\",\"name\":\"ok\",\"createdTime\":\"2026-01-01T00:00:00Z\","
                        "\"updatedTime\":\"2026-01-01T00:00:00Z\",\"target\":\"10.66.1.1\"}";
    CHECK(casiscan_client_update_scan(client, "acme/ok", moved, &out) == CASISCAN_STATUS_FORBIDDEN && out == NULL);
    CHECK(casiscan_client_set_scope_policy(client, "acme", "{\"allow\":[\"10.2.0.0/16\"]}", &out) == CASISCAN_STATUS_OK);
    casiscan_string_free(out);
    out = NULL;
    CHECK(casiscan_client_start_scan(client, "acme/ok", &out) == CASISCAN_STATUS_FORBIDDEN && out == NULL);
    CHECK(strstr(last_error(), "10.1.1.1") != NULL);
    CHECK(casiscan_client_set_scope_policy(client, "acme", NULL, &out) == CASISCAN_STATUS_OK && strcmp(out, "null") == 0);
    casiscan_string_free(out);
    out = NULL;
    CHECK(casiscan_client_start_scan(client, "acme/ok", &out) == CASISCAN_STATUS_OK);
    casiscan_string_free(out);
    CHECK(casiscan_client_set_scope_policy(NULL, "acme", policy, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_set_scope_policy(client, NULL, policy, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_set_scope_policy(client, "acme", policy, NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    casiscan_client_free(client);
}

/* The same top-level keys from every backend: the committed Debian and RPM roots and the
   recorded Windows Update output under `testdata`. */
static void test_os_patch(const char *testdata) {
    char *json = NULL;
    CHECK(casiscan_os_patch_report_json("/nonexistent-root", &json) == CASISCAN_STATUS_PROVIDER && json == NULL);
    CHECK(strstr(last_error(), "dpkg/status") != NULL && strstr(last_error(), "rpmdb.sqlite") != NULL);
    CHECK(casiscan_os_patch_report_backend_json("/nonexistent-root", "debian", &json) == CASISCAN_STATUS_IO);
    CHECK(strstr(last_error(), "dpkg/status") != NULL && json == NULL);
    CHECK(casiscan_os_patch_report_backend_json("/", "solaris", &json) == CASISCAN_STATUS_INVALID_INPUT);
    CHECK(casiscan_os_patch_report_json(NULL, &json) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_os_patch_report_json("/", NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_os_patch_report_json("/", &json) == CASISCAN_STATUS_OK && strstr(json, "\"installed\"") != NULL);
    casiscan_string_free(json);
    if (testdata == NULL)
        return;
    static const char *const roots[3][3] = {
        {"debian", "debian", "\"backend\":\"debian\""},
        {"rpm", "rpm", "\"severity\":\"Important\""},
        {"windows", "windows/wua_full.json", "\"kb\":\"KB5037782\""},
    };
    static const char *const keys[] = {"\"backend\":", "\"os\":", "\"support\":", "\"installed\":",
                                       "\"updates\":", "\"isSecurity\":true", "\"severity\":",
                                       "\"cveIds\":", "\"held\":", "\"reboot\":", "\"summary\":",
                                       "\"recommendations\":", "\"warnings\":"};
    for (size_t i = 0; i < 3; i++) {
        char root[1024];
        snprintf(root, sizeof root, "%s/%s", testdata, roots[i][1]);
        char *detected = NULL, *chosen = NULL;
        CHECK(casiscan_os_patch_report_json(root, &detected) == CASISCAN_STATUS_OK);
        CHECK(casiscan_os_patch_report_backend_json(root, roots[i][0], &chosen) == CASISCAN_STATUS_OK);
        if (detected == NULL || chosen == NULL) {
            printf("os patch %s: %s\n", roots[i][0], last_error());
            casiscan_string_free(detected);
            casiscan_string_free(chosen);
            continue;
        }
        CHECK(strcmp(detected, chosen) == 0);
        CHECK(strstr(detected, roots[i][2]) != NULL);
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            CHECK(strstr(detected, keys[k]) != NULL);
        casiscan_string_free(detected);
        casiscan_string_free(chosen);
    }
}

/* Writes `text` as a JSON string body (quotes and backslashes escaped) into `out`. */
static void json_escape(const char *text, char *out, size_t size) {
    size_t n = 0;
    for (; *text != '\0' && n + 3 < size; text++) {
        if (*text == '"' || *text == '\\')
            out[n++] = '\\';
        out[n++] = *text;
    }
    out[n] = '\0';
}

/* Issue 23: every nmap option bypass of the shared table is refused through the C API. */
static void test_hostile_commands(const char *dir, const char *table) {
    char db[512];
    snprintf(db, sizeof db, "%s/hostile.db", dir);
    casiscan_client *client = NULL;
    CHECK(casiscan_client_new(db, &client) == CASISCAN_STATUS_OK);
    FILE *f = fopen(table, "r");
    CHECK(f != NULL);
    if (f == NULL || client == NULL)
        return;
    char line[1024], escaped[2048], scan[4096];
    int count = 0, refused = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        char *secret = strstr(line, "{SECRET}");
        if (secret != NULL)
            memcpy(secret, "/etc/pw\0", 8); /* "{SECRET}" is 8 bytes: the path ends the line */
        json_escape(line, escaped, sizeof escaped);
        snprintf(scan, sizeof scan,
                 "{\"owner\":\"admin\",\"name\":\"evil%d\",\"createdTime\":\"2026-01-01T00:00:00Z\","
                 "\"updatedTime\":\"2026-01-01T00:00:00Z\",\"target\":\"127.0.0.1\",\"command\":\"%s\"}",
                 count, escaped);
        char *out = NULL;
        count++;
        if (casiscan_client_add_scan(client, scan, &out) == CASISCAN_STATUS_INVALID_INPUT && out == NULL &&
            strstr(last_error(), "nmap") != NULL)
            refused++;
        else
            printf("accepted or wrong error: %s (%s)\n", line, last_error());
        casiscan_string_free(out);
    }
    fclose(f);
    CHECK(count >= 80 && refused == count);
    char *page = NULL;
    CHECK(casiscan_client_list_scans(client, "admin", 1, 10, &page) == CASISCAN_STATUS_OK);
    CHECK(page != NULL && strstr(page, "evil") == NULL);
    casiscan_string_free(page);
    casiscan_client_free(client);
}

/* install-patch: every refusal is typed and names what is wrong; nothing is queued. (The
 * install itself runs on a real apt in casiscan-core's patch_install_apt test.) */
static void test_install_patch(const char *dir) {
    char db[1024];
    snprintf(db, sizeof db, "%s/capi-patch.db", dir);
    remove(db);
    casiscan_client *client = NULL;
    CHECK(casiscan_client_new(db, &client) == CASISCAN_STATUS_OK);
    char *out = NULL;
    const char *patch = "{\"owner\":\"admin\",\"name\":\"patches\",\"target\":\"127.0.0.1\",\"provider\":\"OS Patch\",\"command\":\"available\"}";
    const char *ports = "{\"owner\":\"admin\",\"name\":\"ports\",\"target\":\"127.0.0.1\",\"command\":\"-sn\"}";
    CHECK(casiscan_client_add_scan(client, patch, &out) == CASISCAN_STATUS_OK);
    casiscan_string_free(out);
    out = NULL;
    CHECK(casiscan_client_add_scan(client, ports, &out) == CASISCAN_STATUS_OK);
    casiscan_string_free(out);
    out = NULL;
    const char *sel = "{\"updates\":[\"openssl\"],\"dryRun\":true}";
    CHECK(casiscan_client_install_patch(client, "admin/patches", sel, &out) == CASISCAN_STATUS_CONFLICT && out == NULL);
    CHECK(strstr(last_error(), "not Completed") != NULL);
    CHECK(casiscan_client_install_patch(client, "admin/ports", sel, &out) == CASISCAN_STATUS_INVALID_INPUT && out == NULL);
    CHECK(strstr(last_error(), "Nmap scan") != NULL);
    CHECK(casiscan_client_install_patch(client, "admin/none", sel, &out) == CASISCAN_STATUS_NOT_FOUND);
    CHECK(casiscan_client_install_patch(client, "admin/patches", "{\"updates\":[\"x\"],\"reboot\":true}", &out) == CASISCAN_STATUS_INVALID_INPUT);
    CHECK(strstr(last_error(), "reboot") != NULL);
    CHECK(casiscan_client_install_patch(client, "admin/patches", "{not json", &out) == CASISCAN_STATUS_INVALID_INPUT);
    const char *job = "{\"owner\":\"admin\",\"name\":\"job\",\"target\":\"127.0.0.1\",\"provider\":\"OS Patch Install\",\"command\":\"{}\"}";
    CHECK(casiscan_client_add_scan(client, job, &out) == CASISCAN_STATUS_INVALID_INPUT);
    CHECK(strstr(last_error(), "install-patch") != NULL);
    CHECK(casiscan_client_install_patch(NULL, "admin/patches", sel, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_install_patch(client, NULL, sel, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_install_patch(client, "admin/patches", NULL, &out) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_install_patch(client, "admin/patches", sel, NULL) == CASISCAN_STATUS_NULL_ARGUMENT);
    CHECK(casiscan_client_list_scans(client, "admin", 1, 10, &out) == CASISCAN_STATUS_OK && strstr(out, "\"total\":2") != NULL);
    casiscan_string_free(out);
    casiscan_client_free(client);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    if (argc > 2)
        test_hostile_commands(dir, argv[2]);
    test_version_and_errors();
    test_nmap(dir);
    test_client(dir);
    test_schedule(dir);
    test_scope(dir);
    test_install_patch(dir);
    test_os_patch(argc > 3 ? argv[3] : NULL);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
