/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest networking: the -n/--network option (kvmtool's spelling), the
 * host's TAP interface behind it, and the virtio-net device that gives it
 * to the guest. The TAP is opened before any VM exists (vm_prepare), so a
 * bad name or a missing permission is refused before anything is created;
 * the virtio-net device then owns it.
 *
 *   kvmini run -n mode=tap,tapif=tap0[,guest_mac=02:..][,host_ip=A.B.C.D[/N]]
 *
 * The host side of the link is the TAP interface: kvmini brings it up, and
 * with host_ip= gives it that address; otherwise it is the user's to set
 * up (`ip addr add 192.168.33.1/24 dev tap0`, or enslave it to a bridge).
 */
#ifndef KVMINI_NET_H
#define KVMINI_NET_H

#include <kvmini/compiler.h>

struct device;

#define NET_IFNAME_MAX 16	/* IFNAMSIZ: 15 characters and the NUL */
#define NET_MAC_LEN 6

enum net_mode {
	NET_MODE_NONE,		/* mode=none: no network device at all (as kvmtool) */
	NET_MODE_TAP,		/* mode=tap: virtio-net over a TAP interface */
};

/* One -n/--network value. */
struct net_config {
	enum net_mode mode;
	char tapif[NET_IFNAME_MAX];	/* "": the kernel names it (tap0, tap1...) */
	bool has_guest_mac;		/* else net_guest_mac() picks one per device */
	uint8_t guest_mac[NET_MAC_LEN];
	bool has_host_ip;		/* host_ip=: kvmini gives the TAP this address */
	uint32_t host_ip;		/* IPv4, network byte order */
	unsigned int host_prefix;	/* its netmask's length: /N, 24 if not given */
};

/*
 * Parse one -n/--network value (KEY=VALUE[,KEY=VALUE...]; keys mode,
 * tapif, guest_mac, host_ip, and kvmtool's guest_ip, accepted and unused
 * as kvmtool does with a TAP) into *out. A mistake is reported on stderr
 * naming the option, the value and what to do: -KVMINI_EUSAGE (cli.h).
 */
int __must_check net_parse_option(const char *arg, struct net_config *out);
/*
 * The guest's MAC address for the index-th network device: guest_mac= if
 * given, else 02:6b:76:6d:69:<index>, locally administered and the same
 * on every run (two VMs on one bridge need guest_mac= to differ).
 */
void net_guest_mac(const struct net_config *cfg, unsigned int index,
		   uint8_t mac[NET_MAC_LEN]);
/*
 * Why name cannot name a network interface (the kernel's rules: 1 to 15
 * characters, no '/', ':' or whitespace, not "." or ".."), or NULL if it can.
 */
const char *net_ifname_invalid(const char *name);

/* An open TAP interface: non-blocking, with virtio 1.x's 12-byte vnet header. */
struct tap {
	int fd;
	char ifname[NET_IFNAME_MAX];	/* its name (the kernel's choice if none given) */
};

/*
 * Create cfg->tapif, or attach to it if it exists (a persistent one made
 * by `ip tuntap add`), bring its link up and, with host_ip=, give it that
 * address. Refuses (-errno, with a message naming -n/--network, the value
 * and what to do) a bad name, no /dev/net/tun, no permission, an
 * interface in use or not a TAP. A TAP kvmini created vanishes when closed.
 */
int __must_check tap_open(const struct net_config *cfg, struct tap *out);
/* Close it (a no-op once a device took it: fd -1). */
void tap_close(struct tap *tap);

/*
 * virtio-net (virtio 1.x, 5.1) at base over tap, which may be any fd that
 * keeps frame boundaries and carries the 12-byte header (a TAP, or a
 * datagram socket in tests). The device owns tap->fd from here, also on
 * failure: tap->fd is set to -1.
 */
int __must_check virtio_net_create(uint64_t base, struct tap *tap,
				   const uint8_t mac[NET_MAC_LEN], struct device **out);

#endif
