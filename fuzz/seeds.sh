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

# dnf's repository index: the test tree's repomd.xml.
for f in $core/testdata/ospatch/rpm/var/cache/dnf/*/repodata/repomd.xml; do seed repomd repomd.xml "$f"; done

# Export cursors: 8 bytes of ScanDate (µs), 8 of ScanlogId, then `account\ncursor`.
printf '\x00\x06\x2e\x0f\x6c\x1a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x2aacme\n01000628a1b2c3d4e5f6' |
    seed export_cursor position
printf '\x7f\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x01\n' | seed export_cursor bad-date
echo "seeds: $(find "$out" -type f | wc -l) files in $(ls "$out" | wc -l) targets under $out"
