#!/bin/sh
# Rebuilds the small OS patch test roots committed under casiscan-core/testdata/ospatch/:
# debian/ (dpkg status + apt lists) and rpm/ (rpmdb.sqlite + one dnf repository cache with
# updateinfo). Needs rpm, rpmbuild, createrepo_c and modifyrepo_c (scripts/install-ospatch-test-deps.sh).
# The Windows root is recorded agent output (windows/*.json), not generated.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/casiscan-core/testdata/ospatch"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Debian: hello is current; openssl has a security update; vim an ordinary one, held.
deb="$out/debian"
rm -rf "$deb"
mkdir -p "$deb/var/lib/dpkg" "$deb/var/lib/apt/lists" "$deb/etc"
cat > "$deb/etc/os-release" <<'OS'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
ID=debian
VERSION_ID="12"
VERSION_CODENAME=bookworm
OS
cat > "$deb/var/lib/dpkg/status" <<'ST'
Package: hello
Status: install ok installed
Architecture: amd64
Version: 2.10-3

Package: openssl
Status: install ok installed
Architecture: amd64
Version: 3.0.11-1~deb12u1

Package: vim
Status: hold ok installed
Architecture: amd64
Version: 2:9.0.1378-2

ST
lists="$deb/var/lib/apt/lists"
for suite in bookworm bookworm-security; do
  label=Debian
  [ "$suite" = bookworm-security ] && label=Debian-Security
  printf 'Origin: Debian\nLabel: %s\nSuite: %s\nCodename: %s\nDate: Sat, 21 Nov 2026 10:00:00 UTC\n' \
    "$label" "$suite" "$suite" > "$lists/deb.example_dists_${suite}_Release"
done
printf 'Package: hello\nArchitecture: amd64\nVersion: 2.10-3\nSize: 1000\n\nPackage: vim\nArchitecture: amd64\nVersion: 2:9.0.1378-2+deb12u1\nSize: 2000\n\n' \
  > "$lists/deb.example_dists_bookworm_main_binary-amd64_Packages"
printf 'Package: openssl\nArchitecture: amd64\nVersion: 3.0.15-1~deb12u1\nSize: 3000\n\n' \
  > "$lists/deb.example_dists_bookworm-security_main_binary-amd64_Packages"

# RPM: demo has a security advisory (Important, two CVEs), tool a bugfix one, kernel is current.
rpmroot="$out/rpm"
rm -rf "$rpmroot"
mkdir -p "$rpmroot/var/lib/rpm" "$rpmroot/etc/yum.repos.d" "$rpmroot/var/cache/dnf"
cat > "$rpmroot/etc/os-release" <<'OS'
PRETTY_NAME="Rocky Linux 9.4 (Blue Onyx)"
ID="rocky"
VERSION_ID="9.4"
OS
printf '[lab]\nbaseurl=file:///x\nenabled=1\n' > "$rpmroot/etc/yum.repos.d/lab.repo"
build() { # name version arch
  spec="$work/$1-$2-$3.spec"
  printf 'Name: %s\nVersion: %s\nRelease: 1\nSummary: t\nLicense: MIT\n%%description\nt\n%%files\n' "$1" "$2" > "$spec"
  rpmbuild -bb --quiet --define "_topdir $work" --target "$3" "$spec" >/dev/null
}
for nv in demo:1.0 demo:1.2 tool:2.0 tool:2.1; do build "${nv%%:*}" "${nv#*:}" x86_64; done
build kernel 6.2 x86_64
rpms="$work/RPMS/x86_64"
rpm --dbpath "$rpmroot/var/lib/rpm" --quiet -i --justdb --nodeps --ignorearch --ignoreos \
  "$rpms/demo-1.0-1.x86_64.rpm" "$rpms/tool-2.0-1.x86_64.rpm" "$rpms/kernel-6.2-1.x86_64.rpm"
rm -f "$rpmroot/var/lib/rpm/"*-shm "$rpmroot/var/lib/rpm/"*-wal "$rpmroot/var/lib/rpm/.rpm.lock"
repo="$work/lab"
mkdir -p "$repo"
cp "$rpms/demo-1.2-1.x86_64.rpm" "$rpms/tool-2.1-1.x86_64.rpm" "$repo/"
createrepo_c -q --no-database "$repo"
cat > "$work/updateinfo.xml" <<'UI'
<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="lab" status="final" type="security" version="2">
    <id>LAB-2024:0001</id><title>demo security fixes</title>
    <issued date="2024-01-02 00:00:00"/><severity>Important</severity>
    <references>
      <reference href="https://example.invalid/1" id="CVE-2024-0001" type="cve" title="x"/>
      <reference href="https://example.invalid/2" id="CVE-2024-0002" type="cve" title="y"/>
    </references>
    <pkglist><collection short="lab"><name>lab</name>
      <package name="demo" epoch="0" version="1.2" release="1" arch="x86_64"><filename>demo-1.2-1.x86_64.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="lab" status="final" type="bugfix" version="2">
    <id>LAB-2024:0003</id><title>tool bugfix</title><severity>None</severity>
    <pkglist><collection short="lab"><name>lab</name>
      <package name="tool" epoch="0" version="2.1" release="1" arch="x86_64"><filename>tool-2.1-1.x86_64.rpm</filename></package>
    </collection></pkglist>
  </update>
</updates>
UI
modifyrepo_c --mdtype=updateinfo "$work/updateinfo.xml" "$repo/repodata" >/dev/null
mkdir -p "$rpmroot/var/cache/dnf/lab-0123456789abcdef"
cp -r "$repo/repodata" "$rpmroot/var/cache/dnf/lab-0123456789abcdef/"
du -sh "$deb" "$rpmroot"
