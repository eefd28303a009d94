#!/usr/bin/env bash
# Builds the TFTP root of the "rambox" seed scenario (see docs and examples/rambox/README.md)
# from Debian packages: pxelinux.0 + ldlinux.c32, a Debian kernel as bzImage, the seed's
# busybox initramfs and a pxelinux.cfg file. Downloads are cached; reruns only redo stale parts.
#
# usage: examples/rambox/build-root.sh [OUTDIR]          (default OUTDIR: build/rambox-root)
# env:   RAMBOX=poweroff|shell|rambox|...  last word of the kernel command line (default poweroff)
#        RAMBOX_LAYOUT=hexip|default|mac   which pxelinux.cfg file to write (default hexip)
#        RAMBOX_KERNEL_PKG=linux-image-…   kernel package to use (default: what linux-image-amd64 depends on)
#        BOOTFW_CACHE (default ~/.cache/bootfw), BOOTFW_BIN (default build/default/framework/bootfw)
# shellcheck disable=SC2012,SC2174  # ls on Debian .deb names is fine; -m on the leaf dirs is the seed's
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"

outdir=${1:-$top/build/rambox-root}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
cache=${BOOTFW_CACHE:-$HOME/.cache/bootfw}
mkdir -p "$cache"
# One builder at a time per cache (parallel ctest runs, a demo next to a test): the download, the
# kernel extraction and the module copy all live in the shared cache.
exec 9> "$cache/.lock"
flock 9

# The seed scenario: one client, fixed MAC and fixed address, server at .202.
client_ip=192.168.24.203
client_mac=08:00:07:26:c0:a5
mode=${RAMBOX:-poweroff}
layout=${RAMBOX_LAYOUT:-hexip}

pxelinux_src=/usr/lib/PXELINUX/pxelinux.0
ldlinux_src=/usr/lib/syslinux/modules/bios/ldlinux.c32
busybox_src=/bin/busybox   # from busybox-static: no shared libraries needed inside the initramfs

log() { echo "build-root: $*"; }
root="" work=""   # initramfs staging and kernel extraction dirs, removed on any exit
trap '[ -z "$root" ] || rm -rf "$root"; [ -z "$work" ] || rm -rf "$work"' EXIT
die() { echo "build-root: error: $*" >&2; exit 1; }

for f in "$pxelinux_src" "$ldlinux_src" "$busybox_src"; do
  [ -r "$f" ] || die "$f missing (run: scripts/install-deps demo)"
done
# A dynamically linked busybox would fail in the initramfs with a confusing "not found".
if file -b "$busybox_src" 2>/dev/null | grep -q dynamic; then
  die "$busybox_src is dynamically linked; install busybox-static"
fi

# "$1 is missing or older than any of the rest" — the whole incremental-build logic.
stale() {
  local out=$1; shift
  [ -e "$out" ] || return 0
  local in
  for in in "$@"; do [ "$in" -nt "$out" ] && return 0; done
  return 1
}

# Copy only when the content differs, so mtimes (and thus staleness) stay stable.
install_if_changed() {
  if ! cmp -s "$1" "$2"; then cp "$1" "$2.tmp" && mv -f "$2.tmp" "$2"; log "updated $(basename "$2")"; fi
}

# --- 1. boot loader -------------------------------------------------------------------------
install_if_changed "$pxelinux_src" "$outdir/pxelinux.0"
install_if_changed "$ldlinux_src" "$outdir/ldlinux.c32"   # pxelinux 6 loads it next to itself

# --- 2. kernel package ------------------------------------------------------------------------
# The newest generic kernel is the one the metapackage points at (skips -cloud/-rt flavours).
resolve_kernel_pkg() {
  if [ -n "${RAMBOX_KERNEL_PKG:-}" ]; then echo "$RAMBOX_KERNEL_PKG"; return; fi
  local p
  p=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
  if [ -z "$p" ]; then  # no metapackage in the lists: newest versioned generic image
    p=$(apt-cache search --names-only '^linux-image-[0-9].*-amd64$' 2>/dev/null | awk '{print $1}' |
        grep -Ev -- '-(cloud|rt)-amd64$' | sort -V | tail -1 || true)
  fi
  echo "$p"
}

cached_deb() { ls -1 "$cache/$1"_*_amd64.deb 2>/dev/null | sort -V | tail -1 || true; }

# Which .deb the outputs were built from; switching packages forces a rebuild even if older.
stamp="$outdir/.kernel-deb"
stamped=$(cat "$stamp" 2>/dev/null || true)
# apt-cache takes ~2 s here; its answer can only change when the apt lists change, so a rerun
# with the lists older than the last build reuses the stamped package.
lists_changed=$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -newer "$stamp" 2>/dev/null | head -1 || true)
if [ -n "$stamped" ] && [ -f "$cache/$stamped" ] && [ -z "$lists_changed" ] &&
   { [ -z "${RAMBOX_KERNEL_PKG:-}" ] || [[ $stamped == "${RAMBOX_KERNEL_PKG}_"* ]]; }; then
  deb="$cache/$stamped"
else
  kpkg=$(resolve_kernel_pkg)
  if [ -z "$kpkg" ]; then
    # No apt lists (fresh container): fall back to a cached kernel, else refresh the lists once.
    deb=$(ls -1 "$cache"/linux-image-*-amd64_*.deb 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$deb" ]; then
      log "no kernel package known to apt-cache; running apt-get update"
      apt-get update -q >/dev/null
      kpkg=$(resolve_kernel_pkg)
      [ -n "$kpkg" ] || die "no linux-image-*-amd64 package found via apt-cache"
    else
      kpkg=$(dpkg-deb -f "$deb" Package)
    fi
  fi
  deb=$(cached_deb "$kpkg")
  kver_avail=$(apt-cache policy "$kpkg" 2>/dev/null | awk '/Candidate:/ {print $2}' || true)
  kver_cached=${deb:+$(dpkg-deb -f "$deb" Version)}
  if [ -z "$deb" ] || { [ -n "$kver_avail" ] && [ "$kver_avail" != "(none)" ] && [ "$kver_avail" != "$kver_cached" ]; }; then
    log "downloading $kpkg ${kver_avail:-} into $cache"
    # apt's _apt sandbox user cannot write into root's home; download as root there.
    sandbox=(); [ "$(id -u)" -eq 0 ] && sandbox=(-o APT::Sandbox::User=root)
    if ! (cd "$cache" && apt-get download -q "${sandbox[@]}" "$kpkg"); then
      log "apt-get download failed; refreshing package lists and retrying"
      apt-get update -q >/dev/null
      (cd "$cache" && apt-get download -q "${sandbox[@]}" "$kpkg") || die "cannot download $kpkg"
    fi
    deb=$(cached_deb "$kpkg")
    [ -n "$deb" ] || die "download of $kpkg left no .deb in $cache"
  fi
fi
log "kernel package: $(basename "$deb")"

[ "$stamped" = "$(basename "$deb")" ] || rm -f "$stamp"

# --- 3. bzImage + e1000.ko --------------------------------------------------------------------
# Extract only what we need (vmlinuz and e1000) instead of the ~400 MB module tree: same as
# dpkg -x, just filtered; nothing is installed into /boot.
extract_kernel() {
  work=$(mktemp -d "$cache/work.XXXXXX")
  dpkg-deb --fsys-tarfile "$deb" |
    tar -x -C "$work" --wildcards './boot/vmlinuz-*' './lib/modules/*/kernel/drivers/net/ethernet/intel/e1000/e1000.ko*'
}

ko_out="$cache/e1000-$(basename "$deb" .deb).ko"   # decompressed module, reused by the initramfs step
if stale "$outdir/bzImage" "$deb" "$self" || stale "$ko_out" "$deb" || [ ! -e "$stamp" ]; then
  log "extracting kernel and e1000 from $(basename "$deb")"
  extract_kernel
  vmlinuz=$(ls -1 "$work"/boot/vmlinuz-* | head -1)
  cp "$vmlinuz" "$outdir/bzImage.tmp" && mv -f "$outdir/bzImage.tmp" "$outdir/bzImage"
  ko=$(find "$work/lib/modules" -name 'e1000.ko*' | head -1)
  [ -n "$ko" ] || die "e1000 module not found in $deb"
  # busybox insmod cannot load compressed modules, so store it plain.
  case "$ko" in
    *.ko.xz)  xz -dc "$ko" > "$ko_out.tmp" ;;
    *.ko.zst) zstd -qdc "$ko" > "$ko_out.tmp" ;;
    *.ko.gz)  gzip -dc "$ko" > "$ko_out.tmp" ;;
    *.ko)     cp "$ko" "$ko_out.tmp" ;;
  esac
  mv -f "$ko_out.tmp" "$ko_out"
  kver=$(basename "$vmlinuz"); kver=${kver#vmlinuz-}
  rm -rf "$work"; work=""
  log "bzImage: $kver ($(stat -c %s "$outdir/bzImage") bytes), e1000 from $(basename "$ko")"
fi

# --- 4. initramfs (the seed's layout) -----------------------------------------------------------
build_initramfs() {
  root=$(mktemp -d "$cache/initramfs.XXXXXX")
  (
    cd "$root"
    # The seed's directory tree, modes included.
    mkdir -p -m 0755 dev etc/{,init,sysconfig} mnt sys usr/{,local} var/{,www,log,lib,cache} run
    mkdir -p -m 0555 {,s}bin lib{,32,64} proc usr/{,s}bin
    mkdir -p -m 0700 root
    mkdir -p -m 1777 tmp
    ln -s ../run var/run
    # The kernel's built-in initramfs already has /dev/console; ours too when we may mknod,
    # so init always has a console for its output.
    mknod -m 0600 dev/console c 5 1 2>/dev/null || true

    cat > etc/profile <<'EOF'
## /etc/profile
export PATH="/bin:/sbin:/usr/bin:/usr/sbin:/usr/local/sbin"
EOF
    cat > etc/fstab <<'EOF'
devpts /dev/pts devpts nosuid,noexec,gid=5,mode=0620 0 0
tmpfs /dev/shm tmpfs nosuid,nodev,mode=0755 0 0
sysfs /sys sysfs nosuid,nodev,noexec 0 0
proc /proc proc nosuid,nodev,noexec 0 0
EOF
    chmod 0644 etc/fstab
    cat > etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:99:99:NoBody:/none:/bin/false
www:x:33:33:HTTP Server:/var/www:/bin/false
EOF
    cat > etc/group <<'EOF'
root:x:0:
nobody:x:99:
www:x:33:
EOF
    echo "multi on" > etc/host.conf
    echo "rambox" > etc/hostname
    cat > etc/hosts <<'EOF'
127.0.0.1 localhost.localdomain localhost
127.0.1.1 rambox
EOF

    cp "$busybox_src" bin/busybox && chmod 0755 bin/busybox
    ln -s busybox bin/sh

    # Equivalent of busybox's examples/udhcp/simple.script (udhcpc only talks DHCP; this
    # script applies the lease to the interface).
    cat > bin/simple.script <<'EOF'
#!/bin/sh
# udhcpc event script: configure $interface from the lease (after busybox simple.script)
RESOLV_CONF=/etc/resolv.conf
[ -n "$1" ] || { echo "Error: should be called from udhcpc"; exit 1; }
NETMASK=""; [ -n "$subnet" ] && NETMASK="netmask $subnet"
BROADCAST="broadcast +"; [ -n "$broadcast" ] && BROADCAST="broadcast $broadcast"
case "$1" in
  deconfig)
    ifconfig $interface 0.0.0.0
    ;;
  renew|bound)
    echo "Setting IP address $ip on $interface"
    ifconfig $interface $ip $NETMASK $BROADCAST
    if [ -n "$router" ]; then
      while route del default gw 0.0.0.0 dev $interface 2>/dev/null; do :; done
      metric=0
      for i in $router; do
        route add default gw $i dev $interface metric $((metric++))
      done
    fi
    : > $RESOLV_CONF
    [ -n "$domain" ] && echo "search $domain" >> $RESOLV_CONF
    for i in $dns; do echo "nameserver $i" >> $RESOLV_CONF; done
    ;;
esac
exit 0
EOF
    # The seed's renew_ip; -i/-T/-n make it explicit and let it fail instead of looping forever.
    # e1000 reports link ~2 s after "up"; a DISCOVER sent before that is lost and costs a
    # full -T retry, so wait for carrier first (bounded: udhcpc still runs without it).
    cat > bin/renew_ip <<'EOF'
#!/bin/sh
ifconfig eth0 up
n=0; while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
udhcpc -i eth0 -t 5 -T 3 -n -q -s /bin/simple.script
EOF
    chmod 0755 bin/simple.script bin/renew_ip

    mkdir -p lib/modules
    cp "$ko_out" lib/modules/e1000.ko

    cat > init <<'EOF'
#!/bin/sh
# rambox /init — the seed's logic, plus: devtmpfs, the e1000 module, DHCP via udhcpc
# (the Debian kernel has no CONFIG_IP_PNP, so ip=dhcp is ours to honour) and a marker line.

# Make all core utils reachable
. /etc/profile
# Create all busybox's symb links
/bin/busybox --install -s

# Let the kernel populate /dev when it can; mdev below fills in the rest otherwise.
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# pts: pseudoterminal slave; shm
mkdir -p /dev/pts /dev/shm
chmod 1777 /dev/shm
# Mount the fstab's filesystems.
mount -av
# Some things don't work properly without /etc/mtab.
ln -sf /proc/mounts /etc/mtab
# mdev is a suitable replacement of the udev device node creator for loading firmware
touch /etc/mdev.conf
# Debian kernels have no CONFIG_UEVENT_HELPER (no /proc/sys/kernel/hotplug); devtmpfs covers it.
[ -e /proc/sys/kernel/hotplug ] && echo /sbin/mdev > /proc/sys/kernel/hotplug
mdev -s

# set hostname
hostname $(cat /etc/hostname)

# shell launcher (cttyhack gives the shell the real serial tty, so job control / ^C work)
shell() {
  echo "${1}Launching shell..."
  exec setsid cttyhack /bin/sh
}

# NIC driver: Debian builds e1000 as a module.
insmod /lib/modules/e1000.ko
# Wait (briefly) for the interface to appear.
n=0; while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done

net_ok=1
if grep -qw 'ip=dhcp' /proc/cmdline; then
  renew_ip || net_ok=0
fi

addr=$(ifconfig eth0 2>/dev/null | sed -n 's/.*inet addr:\([0-9.]*\).*/\1/p')
if [ $net_ok = 1 ]; then
  # The line the test rig waits for.
  echo "RAMBOX-UP ip=${addr:-none} $(free -m | awk '/^Mem:/ {printf "mem_total_mb=%s mem_used_mb=%s", $2, $3}')"
else
  echo "RAMBOX-NET-FAILED: no DHCP lease on eth0"
fi

# 'poweroff': the test mode — stop right after the marker (QEMU runs with -no-reboot).
grep -qw 'poweroff' /proc/cmdline && { sync; poweroff -f; }

# launch the shell if the 'shell' parameter was supplied
grep -qw 'shell' /proc/cmdline && shell

# parse kernel command and obtain the init & root parameters; if not then use default values
for i in $(cat /proc/cmdline); do
  par=$(echo $i | cut -d "=" -f 1)
  val=$(echo $i | cut -d "=" -f 2)
  case $par in
    root) root=$val ;;
    init) init=$val ;;
  esac
done
init=${init:-/sbin/init}
root=${root:-/dev/hda1}

# if rambox parameter is supplied then keep the ramdisk mounted, ignore root parameter
# and run the other init script. Located at /sbin/init by default
if grep -qw 'rambox' /proc/cmdline; then
  [ -e ${init} ] || shell "Not init found on ramdisk at '${init}'... "
  echo "Keeping the ramdisk since rambox param was supplied & executing init... "
  exec ${init}
  # This will only be run if the exec above failed
  shell "Failed keeping the ramdisk and executing '${init}'... "
fi

# Neither shell nor rambox parameters were supplied then, try to switch to the new root
# and launch init
mkdir /newroot
mount ${root} /newroot || shell "An error ocurred mounting '${root}' at /newroot... "
[ -e /newroot${init} ] || shell "Not init found at '${init}'... "
echo "Resetting kernel hotplugging... "
[ -e /proc/sys/kernel/hotplug ] && :> /proc/sys/kernel/hotplug
echo "Umounting all... "
umount -a
echo "Switching to the new root and executing init... "
exec switch_root /newroot ${init}
# This will only be run if the exec above failed
mount -av
mdev -s
shell "Failed to switch_root... "
EOF
    chmod 0755 init

    # newc archive, everything owned by root whoever builds it; sorted for stable output.
    find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -9 -n > "$outdir/initramfs.cpio.gz.tmp"
  )
  mv -f "$outdir/initramfs.cpio.gz.tmp" "$outdir/initramfs.cpio.gz"
  rm -rf "$root"; root=""
}

if stale "$outdir/initramfs.cpio.gz" "$self" "$busybox_src" "$ko_out" || [ ! -e "$stamp" ]; then
  build_initramfs
  log "initramfs.cpio.gz: $(stat -c %s "$outdir/initramfs.cpio.gz") bytes"
fi
basename "$deb" > "$stamp"

# --- 5. pxelinux.cfg ----------------------------------------------------------------------------
# The seed's hxip, without bc: one %02X per octet.
hxip_bash() {
  local IFS=. o; local -a a; read -r -a a <<< "$1"
  [ ${#a[@]} -eq 4 ] || return 1
  for o in "${a[@]}"; do printf '%02X' "$o"; done
}

bootfw_bin=${BOOTFW_BIN:-$top/build/default/framework/bootfw}
hex=""
if [ -x "$bootfw_bin" ]; then
  # An older binary without the subcommand prints something else: accept only 8 hex digits.
  hex=$("$bootfw_bin" hxip "$client_ip" 2>/dev/null | tr -d '[:space:]' || true)
  [[ $hex =~ ^[0-9A-F]{8}$ ]] || hex=""
fi
if [ -n "$hex" ]; then
  log "hxip $client_ip = $hex (from $bootfw_bin hxip)"
else
  hex=$(hxip_bash "$client_ip")
  log "hxip $client_ip = $hex (bash fallback; no usable '$bootfw_bin hxip')"
fi

case "$layout" in
  hexip)   cfgname=$hex ;;
  default) cfgname=default ;;
  mac)     cfgname=01-$(echo "$client_mac" | tr 'A-F:' 'a-f-') ;;
  *) die "RAMBOX_LAYOUT must be hexip, default or mac (got '$layout')" ;;
esac

mkdir -p "$outdir/pxelinux.cfg"
# pxelinux tries the most specific name first; leftovers from another layout would shadow ours.
find "$outdir/pxelinux.cfg" -mindepth 1 -maxdepth 1 ! -name "$cfgname" -exec rm -rf {} +
# The seed's two lines, plus a LABEL: pxelinux 6 treats a DEFAULT that names no label as a bare
# command line and then ignores the global APPEND (the kernel boots without initrd or console).
cat > "$outdir/pxelinux.cfg/$cfgname.tmp" <<EOF
DEFAULT bzImage
LABEL bzImage
KERNEL bzImage
APPEND initrd=initramfs.cpio.gz rw ip=dhcp console=ttyS0 $mode
EOF
if cmp -s "$outdir/pxelinux.cfg/$cfgname.tmp" "$outdir/pxelinux.cfg/$cfgname"; then
  rm -f "$outdir/pxelinux.cfg/$cfgname.tmp"
else
  mv -f "$outdir/pxelinux.cfg/$cfgname.tmp" "$outdir/pxelinux.cfg/$cfgname"
  log "wrote pxelinux.cfg/$cfgname (mode $mode)"
fi

log "TFTP root ready: $outdir"
