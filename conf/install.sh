#!/usr/bin/env bash
# make install / make uninstall: the programs, man pages, example
# configuration (never over an existing one), systemd units and bash
# completion.  The directories come from the Makefile's PREFIX, BINDIR,
# SBINDIR, MANDIR, SYSCONFDIR, UNITDIR, BASHCOMPDIR and DESTDIR, in the
# environment; each command is printed as it runs.
#
# install.sh install|uninstall
set -eu
cd "$(dirname "$0")/.."
: "${SBINDIR:?}" "${BINDIR:?}" "${MANDIR:?}" "${SYSCONFDIR:?}" \
	"${UNITDIR:?}" "${BASHCOMPDIR:?}"
D=${DESTDIR-}
units=(conf/*.service conf/*.timer)
man5=(man/*.5) man8=(man/*.8)
run() { echo "$*"; "$@"; }

case ${1-} in
install)
	run install -d "$D$SBINDIR" "$D$BINDIR" "$D$MANDIR/man5" \
		"$D$MANDIR/man8" "$D$SYSCONFDIR/sctpalg" "$D$UNITDIR" \
		"$D$BASHCOMPDIR"
	run install -m 755 build/sctpalgd "$D$SBINDIR/"
	run install -m 755 build/sctpalgctl "$D$BINDIR/"
	run install -m 644 "${man5[@]}" "$D$MANDIR/man5/"
	run install -m 644 "${man8[@]}" "$D$MANDIR/man8/"
	[ -e "$D$SYSCONFDIR/sctpalg/sctpalgd.conf" ] ||
		install -m 640 conf/sctpalgd.conf "$D$SYSCONFDIR/sctpalg/"
	# The units name /usr/local/{s,}bin and /etc: follow SBINDIR,
	# BINDIR, SYSCONFDIR.
	for u in "${units[@]}"; do
		sed -e "s|/usr/local/sbin/|$SBINDIR/|g" \
		    -e "s|/usr/local/bin/|$BINDIR/|g" \
		    -e "s|/etc/sctpalg/|$SYSCONFDIR/sctpalg/|g" "$u" \
		    > "$D$UNITDIR/${u##*/}"
		chmod 644 "$D$UNITDIR/${u##*/}"
	done
	run install -m 644 conf/sctpalgctl "$D$BASHCOMPDIR/sctpalgctl"
	;;
uninstall)
	files=("$D$SBINDIR/sctpalgd" "$D$BINDIR/sctpalgctl"
	       "$D$BASHCOMPDIR/sctpalgctl")
	for u in "${units[@]}"; do files+=("$D$UNITDIR/${u##*/}"); done
	for m in "${man5[@]}"; do files+=("$D$MANDIR/man5/${m##*/}"); done
	for m in "${man8[@]}"; do files+=("$D$MANDIR/man8/${m##*/}"); done
	run rm -f "${files[@]}"
	;;
*)
	echo "usage: $0 install|uninstall" >&2
	exit 2
	;;
esac
