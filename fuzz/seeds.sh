#!/usr/bin/env bash
# Builds the seed corpus of every fuzz target from the repository's test data into $1
# (default: fuzz/corpus), one folder per target. Nothing outside the repository is read.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-fuzz/corpus}
core=casiscan-core
rm -rf "$out"
mkdir -p "$out"
seed() { # seed TARGET NAME [FILE] (stdin when FILE is absent)
    mkdir -p "$out/$1"
    if [ $# -ge 3 ]; then cp "$3" "$out/$1/$2"; else cat > "$out/$1/$2"; fi
}
# A byte followed by FILE: for the targets whose first byte chooses a variant.
seed_with() { # seed_with TARGET NAME BYTE FILE
    mkdir -p "$out/$1"
    { printf "\\x$3"; cat "$4"; } > "$out/$1/$2"
}

# nmap XML: every fixture (copied and recorded); the largest ones are left to the whole-file
# tests, AFL++ works best on small inputs.
for f in $(find $core/testdata/nmap -name '*.xml' -size -30k | sort); do
    n=$(echo "${f#$core/testdata/nmap/}" | tr / _)
    seed nmap_xml "$n" "$f"
    seed nmap_stream "$n" "$f"
    seed nmap_split "$n" "$f"
    seed nmap_lenient "$n" "$f"
done

# Two runs compared (ndiff): the recorded before/after pair, and each small fixture against the
# next one, joined by a NUL byte.
pair() { # pair NAME OLDER NEWER
    mkdir -p "$out/nmap_diff"
    { cat "$2"; printf '\0'; cat "$3"; } > "$out/nmap_diff/$1"
}
pair before-after $core/testdata/nmap/diff/before.xml $core/testdata/nmap/diff/after.xml
prev=
for f in $(find $core/testdata/nmap -name '*.xml' -size -8k | sort | head -40); do
    [ -n "$prev" ] && pair "$(basename "$prev" .xml)-$(basename "$f")" "$prev" "$f"
    prev=$f
done

# Findings read from runs: the recorded runs (vulners output included) behind a 0 byte; port
# ranges and script selections behind a 1 byte.
for f in $(find $core/testdata/nmap/recorded -name '*.xml' -size -30k | sort); do
    seed_with nmap_findings "run-$(basename "$f")" 00 "$f"
done
printf '\x011-1000,3389,8080-8090' | seed nmap_findings ranges
printf '\x01-sV --script=vulners,default -sC' | seed nmap_findings scripts

# The REST import: every small fixture behind three bytes of caps (hosts kept, 16-byte units of
# the kept hosts' JSON, 8-byte units of raw text), from nothing kept to nearly uncapped in turn.
caps=('\x00\x00\x00' '\x01\x20\x08' '\x02\x80\x40' '\x07\xff\xff')
i=0
mkdir -p "$out/nmap_import"
for f in $(find $core/testdata/nmap -name '*.xml' -size -30k | sort); do
    n=$(echo "${f#$core/testdata/nmap/}" | tr / _)
    { printf "${caps[$((i % 4))]}"; cat "$f"; } > "$out/nmap_import/$n"
    i=$((i + 1))
done

# rpm versions compared: pairs from rpm's own ordering rules (tilde, caret, epochs, releases).
for pair in '1.0\x001.0.1' '1.0~rc1\x001.0' '1.0^git1\x001.0' '2:1.0-1\x001:9.9-9' '1.0a\x001.0' '1.010\x001.9' '1.0-1.el9\x001.0-1.el9_1'; do
    printf "$pair" | seed rpm_vercmp "pair-$(printf '%s' "$pair" | tr -c 'A-Za-z0-9.' '_')"
done

# nmap commands: the hostile table (one seed a line) and the commands of the recorded scans.
i=0
grep -v '^#' $core/tests/data/hostile_nmap_commands.txt | grep -v '^$' | while IFS= read -r line; do
    i=$((i + 1))
    printf '%s' "$line" | seed nmap_command "hostile-$i"
done
for f in $core/testdata/nmap/recorded/*.xml; do
    sed -n 's/.*<nmaprun scanner="nmap" args="nmap \([^"]*\) -oX [^"]*".*/\1/p' "$f" | head -1 |
        tr -d '\n' | seed nmap_command "recorded-$(basename "$f" .xml)"
done

# --script values: names, categories, globs and nmap's rule grammar.
for v in 'banner' 'default,safe' '+http-*' '(default or safe) and not intrusive' \
    'not (brute or dos) and discovery' 'http-title.nse,smb-vuln-*' 'true and not false'; do
    printf '%s' "$v" | seed nmap_script_rule "$(echo "$v" | tr -c 'a-z0-9' '_')"
done

# Targets.
for t in 10.0.0.1 10.0.0.0/24 192.168.1.1-20 fd99:1::10 fd99::/64 example.com localhost 127.0.0.1 \
    0.0.0.0/0 ::1 10.0.0.1-10.0.1.5; do
    printf '%s' "$t" | seed target "$(echo "$t" | tr '/:' '__')"
done

# Debian: the test tree's status, Packages and Release; the decompressors get the Packages
# file compressed by each format (made here with the tools, when installed).
deb=$core/testdata/ospatch/debian/var/lib
seed dpkg_status status $deb/dpkg/status
for f in $deb/apt/lists/*_Packages; do seed apt_packages "$(basename "$f")" "$f"; done
for f in $deb/apt/lists/*_Release; do
    seed_with apt_release "$(basename "$f")" 00 "$f"
    seed_with apt_release "$(basename "$f" _Release)_InRelease" 01 "$f"
done
pk=$deb/apt/lists/deb.example_dists_bookworm_main_binary-amd64_Packages
mkdir -p "$out/decompress_gz" "$out/decompress_xz" "$out/decompress_zst" "$out/decompress_lz4"
gzip -9c "$pk" > "$out/decompress_gz/Packages.gz"
if command -v xz >/dev/null; then xz -c "$pk" > "$out/decompress_xz/Packages.xz"; fi
if command -v zstd >/dev/null; then zstd -qc "$pk" > "$out/decompress_zst/Packages.zst"; fi
if command -v lz4 >/dev/null; then lz4 -qc "$pk" > "$out/decompress_lz4/Packages.lz4"; fi
python3 - "$pk" "$out" <<'EOF'
# Formats whose command-line tool is missing: the Rust test data has none, so a frame with the
# format's magic and a little payload is enough for AFL++ to start from.
import os, sys
pk, out = sys.argv[1], sys.argv[2]
for d, magic in [("decompress_xz", b"\xfd7zXZ\x00"), ("decompress_zst", b"\x28\xb5\x2f\xfd"),
                 ("decompress_lz4", b"\x04\x22\x4d\x18")]:
    if not os.listdir(os.path.join(out, d)):
        with open(os.path.join(out, d, "magic-only"), "wb") as f:
            f.write(magic + open(pk, "rb").read()[:64])
EOF

# rpm: the header blobs of the test rpmdb (one seed each), repodata primary and updateinfo.
python3 - "$core/testdata/ospatch/rpm/var/lib/rpm/rpmdb.sqlite" "$out/rpm_header" <<'EOF'
import os, sqlite3, sys
db, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
con = sqlite3.connect("file:%s?mode=ro&immutable=1" % db, uri=True)
for i, (blob,) in enumerate(con.execute("SELECT blob FROM Packages LIMIT 8")):
    open(os.path.join(out, "header-%d" % i), "wb").write(blob)
EOF
for f in $core/testdata/ospatch/rpm/var/cache/dnf/*/repodata/*-primary.xml.gz; do
    seed_with repodata primary.xml.gz 00 "$f"
    { printf '\x00'; gzip -dc "$f"; } > "$out/repodata/primary.xml"
done
for f in $core/testdata/ospatch/rpm/var/cache/dnf/*/repodata/*-updateinfo.xml.gz; do
    seed_with repodata updateinfo.xml.gz 01 "$f"
    { printf '\x01'; gzip -dc "$f"; } > "$out/repodata/updateinfo.xml"
done

# dnf configuration: the test tree's .repo file, and one versionlock list and toml.
for f in $core/testdata/ospatch/rpm/etc/yum.repos.d/*.repo; do
    seed_with dnf_config "$(basename "$f")" 01 "$f"
done
printf '\x00[main]\ngpgcheck=1\nexclude=kernel* foo-1.2-3.el9.x86_64\nexcludepkgs=bar\n' |
    seed dnf_config dnf.conf
printf '\x02# comment\nbash-0:5.1.8-6.el9.*\n!kernel-5.14.0-1.el9.x86_64\nopenssl-1:3.0.7-*\n' |
    seed dnf_config versionlock.list
printf '\x03version = "1.0"\n[[packages]]\nname = "bash"\n[[packages.conditions]]\nkey = "evr"\ncomparator = "="\nvalue = "5.1.8-6.el9"\n' |
    seed dnf_config versionlock.toml

# Windows Update JSON: the recorded reports of the tests.
for f in $core/testdata/ospatch/windows/*.json; do seed wua_json "$(basename "$f")" "$f"; done

# REST bodies (0 = Scan, 1 = Asset) and query strings.
printf '\x00{"owner":"admin","name":"s1","provider":"nmap","asset":"admin/a1","command":"nmap -sT -p 80 10.0.0.1","state":"Pending","targetMode":"Manual","target":"10.0.0.1"}' |
    seed rest_body scan.json
printf '\x01{"owner":"admin","name":"a1","type":"Machine","ipAddress":"10.0.0.1","properties":{"os":"Linux"}}' |
    seed rest_body asset.json
printf 'date=2026-01-31&format=ocsf' | seed rest_query export-day
printf 'fromDate=2026-01-01&toDate=2026-01-31&cursor=abc&limit=100' | seed rest_query export-range
printf 'p=1&pageSize=10&field=name&value=x&sortField=createdTime&sortOrder=descend&owner=admin' |
    seed rest_query scan-list

# The other REST bodies (0 = schedule, 1 = scope policy, 2 = disposition, 3 = patch selection).
printf '\x00{"kind":"cron","expression":"*/15 9-17 * * mon-fri","timeZone":"Europe/Berlin","jitterSeconds":30}' |
    seed rest_other_bodies schedule-cron.json
printf '\x00{"kind":"interval","everySeconds":21600,"missedSlots":"runOnce","enabled":false}' | seed rest_other_bodies schedule-every.json
printf '\x01{"allow":["10.0.0.0/8","*.example.com","fd99::/64"],"deny":["10.9.0.0/16","db.example.com"]}' |
    seed rest_other_bodies policy.json
printf '\x02{"kind":"Accepted Risk","reason":"legacy host","user":"alice","expires":"2027-01-01T00:00:00Z"}' |
    seed rest_other_bodies disposition.json
printf '\x03{"allSecurity":true,"updates":["openssl:amd64","KB5034441"],"dryRun":true}' |
    seed rest_other_bodies selection.json

# REST request headers: a byte of flags (1 trusted proxy, 2 public reads, 4 CORS credentials,
# 8 and 16 a second admin or key credential after the first, 32 empty parts are empty headers),
# then NUL-separated parts: Authorization, accessKey, secretKey, the proxy's user header, Origin,
# Host, X-Forwarded-Host, Sec-Fetch-Site, the peer's address, the trusted proxies, the CORS
# origins, the user header's name. The fuzz state's admin token and key pair are in the target.
headers() { # headers NAME FLAGS PART...
    local name=$1 flags=$2 first=1
    shift 2
    {
        printf "\\x$flags"
        for part in "$@"; do
            [ "$first" = 1 ] || printf '\0'
            first=0
            printf '%s' "$part"
        done
    } | seed rest_headers "$name"
}
admin=fuzz-admin-token-0123456789
access=CSAKFVZZ0123456789ABCDEF
secret=cssk_FuzzSecret0123456789abcdefghijklmnopqrstuvw226VR5
headers admin 00 "Bearer $admin"
headers admin-spaces 00 "  bEaReR   $admin "
headers admin-wrong 00 "Bearer ${admin}X"
headers admin-second 08 "Bearer wrong-token"
headers basic 00 "Basic YWRtaW46c2VjcmV0"
headers key-pair 00 "" "$access" "$secret"
headers key-pair-wrong 00 "" "$access" "${secret%?}6"
headers key-empty 20 "" "" "$secret"
headers key-second 10 "" "CSAK0000000000000000000" "$secret"
headers proxy-user 01 "" "" "" " alice " "" "" "" "" 10.1.2.3
headers proxy-user-mapped 01 "" "" "" alice "" "" "" "" ::ffff:10.1.2.3
headers proxy-user-outside 01 "" "" "" alice "" "" "" "" 192.0.2.1
headers proxy-custom 01 "" "" "" bob "" "" "" "" fd99::5 "fd99::/64,192.0.2.7" "" X-Auth-User
headers same-origin 00 "" "" "" "" https://casiscan.example casiscan.example
headers cross-origin 00 "" "" "" "" https://evil.example casiscan.example "" same-origin
headers forwarded-host 01 "" "" "" "" https://ui.example casiscan:8080 ui.example "" 10.0.0.9
headers forwarded-host-spoofed 01 "" "" "" "" https://ui.example casiscan:8080 ui.example "" 192.0.2.1
headers cors-allowed 04 "" "" "" "" https://ui.example casiscan.example "" cross-site "" "" \
    "https://ui.example,http://localhost:3000"
headers public-reads 02

# dnf's repository index: the test tree's repomd.xml.
for f in $core/testdata/ospatch/rpm/var/cache/dnf/*/repodata/repomd.xml; do seed repomd repomd.xml "$f"; done

# Export cursors: 8 bytes of ScanDate (µs), 8 of ScanlogId, then `account\ncursor`.
printf '\x00\x06\x2e\x0f\x6c\x1a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x2aacme\n01000628a1b2c3d4e5f6' |
    seed export_cursor position
printf '\x7f\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x01\n' | seed export_cursor bad-date
# apt and OS configuration (0 = preferences, 1 = apt.conf, 2 = os-release, with a distro-info
# table after a NUL byte): the test trees' os-release files and hand-written pins and tables.
printf '\x00Package: *\nPin: release a=stable-backports\nPin-Priority: 550\n\nExplanation: keep the kernel\nPackage: linux-image-*\nPin: version 6.1.*\nPin-Priority: 1001\n\n# never from backports\nPackage: openssl libssl3\nPin: release n=bookworm-backports,o=Debian\nPin-Priority: -1\n\nPackage: bash\nPin: origin "deb.example"\nPin-Priority: 900\n' |
    seed ospatch_config preferences
printf '\x00Package: *\nPin: release stable\nPin-Priority: 100\n' | seed ospatch_config preferences-bare
printf '\x01// local settings\nAPT::Default-Release "stable-security";\nAcquire::Retries "3";\n' |
    seed ospatch_config apt.conf
printf '\x01APT::Get::Show-Versions "true";\nAPT::Default-Release bookworm ;\n' | seed ospatch_config apt.conf-bare
for f in $core/testdata/ospatch/*/etc/os-release; do
    seed_with ospatch_config "os-release-$(basename "$(dirname "$(dirname "$f")")")" 02 "$f"
done
printf '\x02NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="24.04"\nUBUNTU_CODENAME=noble\nPRETTY_NAME="Ubuntu 24.04.1 LTS"\n\x00version,codename,series,created,release,eol,eol-server,eol-esm\n24.04 LTS,Noble Numbat,noble,2023-10-12,2024-04-25,2029-05-31,2029-05-31,2034-04-25\n' |
    seed ospatch_config os-release-with-table

# OS Patch Install (0 = apt-get -s output, 1 = the Windows install script's JSON, 2 = a job's
# stored command): the recorded Windows outputs and hand-written apt output and commands.
printf '\x00Reading package lists...\nBuilding dependency tree...\nThe following packages will be upgraded:\n  openssl libssl3\nInst libssl3 [3.0.14-1~deb12u2] (3.0.15-1~deb12u1 Debian-Security:12/stable-security [amd64])\nInst openssl [3.0.14-1~deb12u2] (3.0.15-1~deb12u1 Debian-Security:12/stable-security [amd64])\nInst libc6:i386 [2.36-9+deb12u8] (2.36-9+deb12u9 Debian:12.8/stable [i386])\nRemv oldpkg [0.9]\nPurg cfgpkg [1.0]\nConf libssl3 (3.0.15-1~deb12u1 Debian-Security:12/stable-security [amd64])\nE: Could not get lock /var/lib/dpkg/lock-frontend\n' |
    seed patch_install_output apt-simulation
for f in $core/testdata/ospatch/windows-install/*.json; do
    seed_with patch_install_output "$(basename "$f")" 01 "$f"
done
printf '\x02{"sourceScan":"acme/patches","backend":"debian","updates":[{"name":"openssl","arch":"amd64","installedVersion":"3.0.14-1~deb12u2","version":"3.0.15-1~deb12u1","isSecurity":true},{"name":"libc6","arch":"i386","installedVersion":"2.36-9+deb12u8","version":"2.36-9+deb12u9"}],"dryRun":true}' |
    seed patch_install_output command-debian.json
printf '\x02{"sourceScan":"acme/rocky","backend":"rpm","updates":[{"name":"curl","arch":"x86_64","installedVersion":"7.76.1-29.el9","version":"7.76.1-31.el9","advisory":"RLSA-2024:1234","isSecurity":true},{"name":"bash","arch":"x86_64","installedVersion":"5.1.8-6.el9","version":"5.1.8-9.el9"}]}' |
    seed patch_install_output command-rpm.json
printf '\x02{"sourceScan":"acme/win","backend":"windows","updates":[{"name":"KB5037782","arch":null,"installedVersion":null,"version":null}],"dryRun":false}' |
    seed patch_install_output command-windows.json

# Stored records (0-2 = a stored nmap, OS patch, OS Patch Install result; 3 = a run's JSON as
# NmapRun.from_json reads it; 4 = a scan row's text column; 5-14 = the other record bodies):
# hand-written, and the recorded Windows Update report as an earlier version's stored result.
run='{"scanner":"nmap","args":"nmap -sV -p 22,80 10.0.0.5","start":1765126800,"startstr":"Sun Dec  7 17:00:00 2025","version":"7.94","xmloutputversion":"1.05","scaninfos":[{"type":"syn","protocol":"tcp","numservices":2,"services":"22,80"}],"verbose":0,"debugging":0,"tasks":[{"kind":"progress","task":"Service scan","time":1765126803,"percent":50.0,"remaining":3,"etc":1765126806}],"hosts":[{"starttime":1765126801,"endtime":1765126806,"status":{"state":"up","reason":"syn-ack","reason_ttl":64},"addresses":[{"addr":"10.0.0.5","addrtype":"ipv4"},{"addr":"52:54:00:12:34:56","addrtype":"mac","vendor":"QEMU"}],"hostnames":[{"name":"web01.lab.example","type":"PTR"}],"ports":[{"protocol":"tcp","portid":22,"state":{"state":"open","reason":"syn-ack","reason_ttl":64},"service":{"name":"ssh","product":"OpenSSH","version":"9.2p1 Debian 2+deb12u3","method":"probed","conf":10,"cpes":["cpe:/a:openbsd:openssh:9.2p1"]},"scripts":[{"id":"ssh-hostkey","output":"256 aa:bb (ED25519)","items":[{"kind":"table","key":null,"items":[{"kind":"elem","key":"type","value":"ssh-ed25519"},{"kind":"elem","key":"bits","value":"256"}]}]}]},{"protocol":"tcp","portid":80,"state":{"state":"closed","reason":"reset","reason_ttl":64}}],"times":{"srtt":412,"rttvar":1000,"to":100000}}],"runstats":{"finished":{"time":1765126806,"timestr":"Sun Dec  7 17:00:06 2025","elapsed":5.21,"summary":"Nmap done at Sun Dec  7 17:00:06 2025; 1 IP address (1 host up) scanned in 5.21 seconds","exit":"success"},"hosts":{"up":1,"down":0,"total":1}},"incomplete":false,"warnings":[]}'
printf '\x00{"startTime":"2025-12-07 17:00 UTC","endTime":"2025-12-07 17:00 UTC","hosts":[{"ip":"10.0.0.5","status":"up","hostname":"web01.lab.example","ports":[{"port":"22/tcp","state":"open","service":"ssh","version":"OpenSSH 9.2p1"},{"port":"80/tcp","state":"closed"}],"macAddr":"52:54:00:12:34:56","vendor":"QEMU","latency":"0.00041s"}],"summary":"1 IP address (1 host up) scanned in 5.21 seconds","nmap":%s}' "$run" |
    seed stored_records nmap-result.json
printf '\x00{"hosts":[{"ip":"10.0.0.9","status":"down"}],"summary":"1 host(s) scanned","truncated":{"hostsKept":0,"hostsOmitted":1,"hostHintsKept":0,"hostHintsOmitted":0,"maxHosts":100000,"maxBytes":67108864}}' |
    seed stored_records nmap-result-casibase.json
printf '\x01{"patches":[{"title":"openssl 3.0.14-1~deb12u2 -> 3.0.15-1~deb12u1","kb":"","size":"1.4 MB","status":"Available","description":"","rebootRequired":false,"categories":"security","isInstalled":false,"isDownloaded":true,"isMandatory":false,"isSecurity":true,"cveIds":["CVE-2024-5535"]}],"report":{"backend":"debian","os":"Debian GNU/Linux 12 (bookworm)","support":{"distribution":"debian","series":"bookworm","version":"12","eol":"2026-07-11","eolLts":"2028-06-30","eolElts":null,"eolEsm":null,"phase":"supported"},"arch":"amd64","sources":[{"id":"deb.example_dists_bookworm-security_main_binary-amd64_Packages","suite":"stable-security","isSecurity":true,"priority":500,"releaseDate":"2025-12-01T00:00:00Z","validUntil":null}],"installed":[{"name":"openssl","version":"3.0.14-1~deb12u2","arch":"amd64","sourceName":"openssl","state":"installed","selection":"install","installedOn":null}],"updates":[{"name":"openssl","title":"openssl 3.0.14-1~deb12u2 -> 3.0.15-1~deb12u1","arch":"amd64","installedVersion":"3.0.14-1~deb12u2","candidateVersion":"3.0.15-1~deb12u1","isSecurity":true,"severity":null,"advisories":["DSA-5764-1"],"cveIds":["CVE-2024-5535"],"held":false,"rebootRequired":null,"downloadSize":1468000,"suites":["stable-security"],"candidatePriority":500,"securityVersion":"3.0.15-1~deb12u1","candidateInSecurityArchive":true,"phasedPercentage":null,"kb":null,"categories":[]}],"reboot":{"required":null,"reasons":[],"packages":[],"runningKernel":null},"summary":{"installedCount":1,"updatesCount":1,"securityUpdatesCount":1,"securityCandidateCount":1,"heldCount":0,"metadataAsOf":"2025-12-01T00:00:00Z","metadataExpired":false},"recommendations":[],"warnings":["unknown: reboot: a mounted root"]}}' |
    seed stored_records ospatch-result.json
printf '\x01{"patches":[],"report":{"backend":"dpkg-apt","updates":[{"name":"openssl","arch":"amd64","installedVersion":"3.0.14-1~deb12u2","candidateVersion":"3.0.15-1~deb12u1","isSecurity":true,"advisories":["DSA-5764-1"],"held":false,"downloadSize":1468000}],"installed":[{},{}],"warnings":["old"]}}' |
    seed stored_records ospatch-legacy-debian.json
printf '\x01{"report":{"repos":["baseos"],"updates":[{"name":"curl","candidateVersion":"7.76.1-31.el9","severity":"Moderate","cveIds":["CVE-2024-2398"]}]}}' |
    seed stored_records ospatch-legacy-rpm.json
for f in $core/testdata/ospatch/windows/wua_full.json $core/testdata/ospatch/windows/wua_ps51_single.json; do
    { printf '\x01{"patches":[],"report":'; cat "$f"; printf '}'; } > "$out/stored_records/ospatch-legacy-$(basename "$f")"
done
printf '\x02{"sourceScan":"acme/win","backend":"windows","dryRun":false,"installed":[{"name":"KB5037782","arch":null,"fromVersion":null,"toVersion":null}],"wouldInstall":[],"failed":[{"name":"KB890830","version":null,"reason":"Malicious Software Removal Tool: failed (HRESULT 0x80070643)"}],"rebootRequired":true,"command":["powershell.exe","-NoProfile"]}' |
    seed stored_records patch-install-result.json
printf '\x03%s' "$run" | seed stored_records nmap-run.json
printf '\x03{"hosts":[{"addresses":[{"addr":"fd99::5","addrtype":"ipv6"}],"hostscripts":[{"id":"x","output":"y","items":[{"kind":"text","value":"z"}]}],"distance":2,"comment":"lab"}],"postscripts":[],"outputs":[{"type":"interactive","text":"Starting Nmap"}]}' |
    seed stored_records nmap-run-rare.json
for v in available installed all Nmap 'OS Patch' 'OS Patch Install' Pending Completed ''; do
    printf '\x04%s' "$v" | seed stored_records "column-$(echo "$v" | tr -c 'a-zA-Z' '_')"
done
printf '\x05{"owner":"acme","scan":"web","seq":3,"attempt":1,"runner":"r1","target":"10.0.0.5","command":"nmap -sV 10.0.0.5","state":"Completed","startedTime":"2025-12-07T17:00:00Z","finishedTime":"2025-12-07T17:00:06.250Z","errorText":"","rawResult":"<nmaprun/>","result":"{}","resultSummary":"1 host up","provider":"Nmap","asset":"acme/web01","timeoutSeconds":3600}' |
    seed stored_records scan-run.json
printf '\x06{"id":"01JEV0000000000000000000","logId":42,"account":"acme","scanId":"acme/web","asset":"acme/web01","target":"10.0.0.5","provider":"Nmap","status":"Scan Success","seal":"PASS","startedAt":"2025-12-07T17:00:00Z","endedAt":"2025-12-07T17:00:06Z","observations":[{"findingId":"f1","alertId":7,"key":{"kind":"nmap_port","host":"10.0.0.5","protocol":"tcp","port":22},"openStatus":"New","detected":true,"changed":true,"title":"ssh open","severity":"info","cvss":{"base_score":5.3,"version":"3.1"},"foundOn":"10.0.0.5","firstFoundAt":"2025-12-07T17:00:06Z","evidence":{"product":"OpenSSH","conf":10,"rtt":0.00041}}],"assetInfo":{"id":"web01","displayName":"web01","groups":["prod"]}}' |
    seed stored_records scan-log.json
printf '\x07{"id":"f2","alertId":8,"account":"acme","asset":"acme/web01","provider":"OS Patch","key":{"kind":"os_patch_advisory","ecosystem":"deb","advisory_id":"DSA-5764-1","source_package":"openssl"},"state":"Open","title":"openssl: DSA-5764-1","severity":"high","severitySource":"vendor","cvss":null,"foundOn":"web01","firstFoundAt":"2025-12-01T00:00:00Z","lastFoundAt":"2025-12-07T17:00:06Z","closedAt":null,"reopenCount":0,"lastRunId":"acme/patches#4","detailHash":"9f2c","disposition":{"kind":"Accepted Risk","reason":"legacy host","user":"alice","at":"2025-12-07T18:00:00Z","expires":"2026-06-01T00:00:00Z","evidence":""}}' |
    seed stored_records finding.json
printf '\x08{"owner":"acme","name":"web01","createdTime":"2025-12-01T00:00:00Z","updatedTime":"2025-12-07T00:00:00Z","displayName":"web01","provider":"aws","id":"i-0abc","type":"Virtual Machine","region":"eu-west-1","zone":"eu-west-1a","state":"Running","tag":"env=prod,team=web","properties":"{\\"publicIp\\":\\"203.0.113.9\\",\\"ipAddresses\\":[\\"10.0.0.5\\"],\\"osName\\":\\"Debian 12\\",\\"cpu\\":2.5}","username":"admin","password":"secret"}' |
    seed stored_records asset.json
printf '\x09{"kind":"cron","expression":"*/15 9-17 * * mon-fri","timeZone":"Europe/Berlin","enabled":true,"missedSlots":"runOnce","jitterSeconds":30,"nextRunTime":"2025-12-08T08:00:00Z","nextFireTime":"2025-12-08T08:00:12Z"}' |
    seed stored_records schedule.json
printf '\x0a{"allow":["10.0.0.0/8","fd99::/64","192.0.2.1-192.0.2.50","*.corp.example"],"deny":["10.9.0.0/16","db.corp.example","10.0.0.1"]}' |
    seed stored_records scope-policy.json
printf '\x0b{"account":"acme","name":"ci","accessKey":"ak_01JEV","secretHash":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA","secretHint":"...x9Qz","createdAt":"2025-12-07T17:00:00Z","createdBy":"alice"}' |
    seed stored_records api-key.json
printf '\x0c{"name":"r1","hostname":"runner-1","ips":["10.0.0.2","fd99::2"],"publicIps":[],"providers":["Nmap","OS Patch"],"owners":["acme"]}' |
    seed stored_records runner.json
printf '\x0d{"alertId":8,"account":"acme","action":"set","user":"alice","at":"2025-12-07T18:00:00Z","disposition":{"kind":"False Positive","reason":"not reachable","user":"alice","at":"2025-12-07T18:00:00Z","evidence":"ticket 12"}}' |
    seed stored_records audit-entry.json
printf '\x0e{"percent":42.5,"phase":"SYN Stealth Scan"}' | seed stored_records progress.json

echo "seeds: $(find "$out" -type f | wc -l) files in $(ls "$out" | wc -l) targets under $out"
