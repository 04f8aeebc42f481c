/* casiscan from C: parse an nmap XML file, open a client, add and list a scan.
 * Build: cc -std=c11 -Icasiscan-capi/include quickstart.c target/release/libcasiscan.a -lpthread -ldl -lm
 * Run:   ./a.out scan.xml casiscan.db */
#include "casiscan.h"

#include <stdio.h>

static int fail(const char *what, casiscan_status status) {
    char message[256];
    size_t written = 0;
    casiscan_last_error_message(message, sizeof message, &written);
    fprintf(stderr, "%s failed (status %d): %s\n", what, (int)status, message);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s SCAN.xml DATABASE\n", argv[0]);
        return 2;
    }
    printf("casiscan %s\n", casiscan_version());

    casiscan_nmap_run *run = NULL;
    casiscan_status s = casiscan_nmap_parse_file(argv[1], &run);
    if (s != CASISCAN_STATUS_OK) {
        return fail("parse", s);
    }
    size_t hosts = 0;
    casiscan_nmap_run_host_count(run, &hosts);
    for (size_t h = 0; h < hosts; h++) {
        char *addr = NULL;
        size_t ports = 0;
        casiscan_nmap_run_host_address(run, h, &addr);
        casiscan_nmap_run_port_count(run, h, &ports);
        printf("host %s: %zu port(s)\n", addr, ports);
        casiscan_string_free(addr);
    }
    casiscan_nmap_run_free(run);

    casiscan_client *client = NULL;
    s = casiscan_client_new(argv[2], &client);
    if (s != CASISCAN_STATUS_OK) {
        return fail("open", s);
    }
    const char *scan = "{\"owner\":\"admin\",\"name\":\"quickstart\",\"createdTime\":\"2026-01-01T00:00:00Z\","
                       "\"updatedTime\":\"2026-01-01T00:00:00Z\",\"target\":\"127.0.0.1\",\"command\":\"-sT -p 22\"}";
    char *json = NULL;
    s = casiscan_client_add_scan(client, scan, &json);
    if (s != CASISCAN_STATUS_OK) {
        casiscan_client_free(client);
        return fail("add", s);
    }
    casiscan_string_free(json);
    s = casiscan_client_list_scans(client, "admin", 1, 20, &json);
    if (s != CASISCAN_STATUS_OK) {
        casiscan_client_free(client);
        return fail("list", s);
    }
    printf("scans: %s\n", json);
    casiscan_string_free(json);
    casiscan_client_free(client);
    return 0;
}
