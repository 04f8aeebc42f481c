/* Reads commands and prints what glibc's getopt_long_only makes of each with nmap 7.93's option
 * table (names and argument kinds as declared in nmap.cc's parse_options; facts, typed here).
 *
 * Input: one command per line: the word count, then each word, separated by 0x1f.
 * Output: one line per command: each item followed by 0x1f:
 *   L<name>[=<value>]  a long option     S<c>[=<value>]  a short option
 *   E                  getopt refused a word (returned '?')
 *   @<word>            an operand, in the order nmap finds them after getopt
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct option nmap_long_options[] = {
    {"version", no_argument, 0, 'V'},
    {"verbose", no_argument, 0, 'v'},
    {"datadir", required_argument, 0, 0},
    {"servicedb", required_argument, 0, 0},
    {"versiondb", required_argument, 0, 0},
    {"debug", optional_argument, 0, 'd'},
    {"help", no_argument, 0, 'h'},
    {"iflist", no_argument, 0, 0},
    {"release-memory", no_argument, 0, 0},
    {"nogcc", no_argument, 0, 0},
    {"max-os-tries", required_argument, 0, 0},
    {"max-parallelism", required_argument, 0, 'M'},
    {"min-parallelism", required_argument, 0, 0},
    {"timing", required_argument, 0, 'T'},
    {"max-rtt-timeout", required_argument, 0, 0},
    {"min-rtt-timeout", required_argument, 0, 0},
    {"initial-rtt-timeout", required_argument, 0, 0},
    {"excludefile", required_argument, 0, 0},
    {"exclude", required_argument, 0, 0},
    {"max-hostgroup", required_argument, 0, 0},
    {"min-hostgroup", required_argument, 0, 0},
    {"open", no_argument, 0, 0},
    {"scanflags", required_argument, 0, 0},
    {"defeat-rst-ratelimit", no_argument, 0, 0},
    {"defeat-icmp-ratelimit", no_argument, 0, 0},
    {"host-timeout", required_argument, 0, 0},
    {"scan-delay", required_argument, 0, 0},
    {"max-scan-delay", required_argument, 0, 0},
    {"max-retries", required_argument, 0, 0},
    {"oA", required_argument, 0, 0},
    {"oN", required_argument, 0, 0},
    {"oM", required_argument, 0, 0},
    {"oG", required_argument, 0, 0},
    {"oS", required_argument, 0, 0},
    {"oH", required_argument, 0, 0},
    {"oX", required_argument, 0, 0},
    {"iL", required_argument, 0, 0},
    {"iR", required_argument, 0, 0},
    {"sI", required_argument, 0, 0},
    {"source-port", required_argument, 0, 'g'},
    {"randomize-hosts", no_argument, 0, 0},
    {"nsock-engine", required_argument, 0, 0},
    {"proxies", required_argument, 0, 0},
    {"proxy", required_argument, 0, 0},
    {"discovery-ignore-rst", no_argument, 0, 0},
    {"osscan-limit", no_argument, 0, 0},
    {"osscan-guess", no_argument, 0, 0},
    {"fuzzy", no_argument, 0, 0},
    {"packet-trace", no_argument, 0, 0},
    {"version-trace", no_argument, 0, 0},
    {"data", required_argument, 0, 0},
    {"data-string", required_argument, 0, 0},
    {"data-length", required_argument, 0, 0},
    {"send-eth", no_argument, 0, 0},
    {"send-ip", no_argument, 0, 0},
    {"stylesheet", required_argument, 0, 0},
    {"no-stylesheet", no_argument, 0, 0},
    {"webxml", no_argument, 0, 0},
    {"rH", no_argument, 0, 0},
    {"vv", no_argument, 0, 0},
    {"ff", no_argument, 0, 0},
    {"privileged", no_argument, 0, 0},
    {"unprivileged", no_argument, 0, 0},
    {"mtu", required_argument, 0, 0},
    {"append-output", no_argument, 0, 0},
    {"noninteractive", no_argument, 0, 0},
    {"spoof-mac", required_argument, 0, 0},
    {"thc", no_argument, 0, 0},
    {"badsum", no_argument, 0, 0},
    {"ttl", required_argument, 0, 0},
    {"traceroute", no_argument, 0, 0},
    {"reason", no_argument, 0, 0},
    {"allports", no_argument, 0, 0},
    {"version-intensity", required_argument, 0, 0},
    {"version-light", no_argument, 0, 0},
    {"version-all", no_argument, 0, 0},
    {"system-dns", no_argument, 0, 0},
    {"resolve-all", no_argument, 0, 0},
    {"unique", no_argument, 0, 0},
    {"log-errors", no_argument, 0, 0},
    {"deprecated-xml-osclass", no_argument, 0, 0},
    {"yoloscan", no_argument, 0, 0},
    {"dns-servers", required_argument, 0, 0},
    {"port-ratio", required_argument, 0, 0},
    {"exclude-ports", required_argument, 0, 0},
    {"top-ports", required_argument, 0, 0},
    {"script", required_argument, 0, 0},
    {"script-trace", no_argument, 0, 0},
    {"script-updatedb", no_argument, 0, 0},
    {"script-args", required_argument, 0, 0},
    {"script-args-file", required_argument, 0, 0},
    {"script-help", required_argument, 0, 0},
    {"script-timeout", required_argument, 0, 0},
    {"ip-options", required_argument, 0, 0},
    {"min-rate", required_argument, 0, 0},
    {"max-rate", required_argument, 0, 0},
    {"adler32", no_argument, 0, 0},
    {"stats-every", required_argument, 0, 0},
    {"disable-arp-ping", no_argument, 0, 0},
    {"route-dst", required_argument, 0, 0},
    {"resume", required_argument, 0, 0},
    {0, 0, 0, 0}};

static const char nmap_short_options[] = "46Ab:D:d::e:Ffg:hIi:M:m:nO::o:P::p:qRrS:s::T:Vv::";

enum { MAX_WORDS = 4096 };

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  static char *argv[MAX_WORDS + 2];
  unsetenv("POSIXLY_CORRECT");
  opterr = 0;
  while ((len = getline(&line, &cap, stdin)) > 0) {
    if (line[len - 1] == '\n')
      line[--len] = '\0';
    char *cursor = line;
    char *sep = strchr(cursor, '\x1f');
    long count = strtol(cursor, NULL, 10);
    if (count < 0 || count > MAX_WORDS)
      return 2;
    int argc = 0;
    argv[argc++] = "nmap";
    for (long i = 0; i < count; i++) {
      if (sep == NULL)
        return 3;
      cursor = sep + 1;
      sep = strchr(cursor, '\x1f');
      if (sep != NULL)
        *sep = '\0';
      argv[argc++] = cursor;
    }
    argv[argc] = NULL;
    optind = 0; /* glibc: start afresh */
    for (;;) {
      int index = -1;
      int c = getopt_long_only(argc, argv, nmap_short_options, nmap_long_options, &index);
      if (c == -1)
        break;
      if (c == '?' || c == ':') {
        fputs("E\x1f", stdout);
        continue;
      }
      if (index >= 0)
        printf("L%s", nmap_long_options[index].name);
      else
        printf("S%c", c);
      if (optarg != NULL)
        printf("=%s", optarg);
      fputc('\x1f', stdout);
    }
    for (int i = optind; i < argc; i++)
      printf("@%s\x1f", argv[i]);
    fputc('\n', stdout);
  }
  free(line);
  return 0;
}
