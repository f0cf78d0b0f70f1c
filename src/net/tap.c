// SPDX-License-Identifier: GPL-2.0-only
/*
 * TAP interfaces for virtio-net (net.h). One fd per interface from
 * /dev/net/tun: IFF_NO_PI (frames only) with IFF_VNET_HDR, so each frame
 * carries virtio 1.x's 12-byte header and the device passes guest frames
 * through without reshaping them; offloads off, as the device negotiates
 * none; non-blocking, for the I/O thread. A write to a TAP whose link is
 * down fails (EIO), so the link is brought up here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <kvmini/log.h>
#include <kvmini/net.h>

#define TUN_PATH "/dev/net/tun"
/* struct virtio_net_hdr_v1: virtio 1.x always has num_buffers (5.1.6). */
#define TAP_VNET_HDR_LEN 12

_Static_assert(NET_IFNAME_MAX == IFNAMSIZ, "NET_IFNAME_MAX is the kernel's IFNAMSIZ");

/* "tapif=tap0", or "mode=tap" when the kernel picks the name: for messages. */
static const char *tap_what(const struct net_config *cfg, char *buf, size_t len)
{
	if (!cfg->tapif[0])
		return "mode=tap";
	snprintf(buf, len, "tapif=%s", cfg->tapif);
	return buf;
}

static int tap_open_tun(const char *what)
{
	int fd = open(TUN_PATH, O_RDWR | O_CLOEXEC | O_NONBLOCK), err;

	if (fd >= 0)
		return fd;
	err = errno;
	if (err == ENOENT || err == ENODEV || err == ENXIO)
		log_err("vm", "-n/--network %s: no %s (the kernel's tun driver): load it "
			"with `modprobe tun`", what, TUN_PATH);
	else if (err == EACCES || err == EPERM)
		log_err("vm", "-n/--network %s: cannot open %s: %s; run kvmini as root, or "
			"give your user access to it and create the TAP beforehand with "
			"`ip tuntap add dev NAME mode tap user $USER`", what, TUN_PATH,
			strerror(err));
	else
		log_err("vm", "-n/--network %s: cannot open %s: %s", what, TUN_PATH,
			strerror(err));
	return -err;
}

static int tap_set_iff(int fd, const struct net_config *cfg, const char *what,
		       bool existed, struct ifreq *ifr)
{
	const char *name = cfg->tapif;
	int err;

	memset(ifr, 0, sizeof(*ifr));
	/* Empty: the kernel names it tap0, tap1... */
	memcpy(ifr->ifr_name, name, strnlen(name, IFNAMSIZ - 1));
	ifr->ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (!ioctl(fd, TUNSETIFF, ifr))
		return 0;
	err = errno;
	if (err == EPERM && existed)
		log_err("vm", "-n/--network %s: %s belongs to another user; create it for "
			"yours (`ip tuntap add dev %s mode tap user $USER`) or run kvmini as "
			"root", what, name, name);
	else if (err == EPERM)
		log_err("vm", "-n/--network %s: creating a TAP needs CAP_NET_ADMIN; run "
			"kvmini as root, or create it beforehand with `ip tuntap add dev %s "
			"mode tap user $USER`", what, name[0] ? name : "NAME");
	else if (err == EBUSY)
		log_err("vm", "-n/--network %s: %s is in use by another process (another "
			"kvmini?); stop it or give another tapif=", what, name);
	else if (err == EINVAL && existed)
		log_err("vm", "-n/--network %s: %s exists and is not a TAP interface (a TUN, "
			"or no tun/tap device at all); give another tapif=", what, name);
	else
		log_err("vm", "-n/--network %s: cannot create or attach the TAP: %s", what,
			strerror(err));
	return -err;
}

/* virtio 1.x's header on every frame; no offloads: the device negotiates none. */
static int tap_set_vnet(int fd, const char *what)
{
	int hdr_len = TAP_VNET_HDR_LEN;

	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) || ioctl(fd, TUNSETOFFLOAD, 0UL)) {
		int err = errno;

		log_err("vm", "-n/--network %s: cannot set up the TAP's virtio header: %s "
			"(a kernel without TUNSETVNETHDRSZ?)", what, strerror(err));
		return -err;
	}
	return 0;
}

/* An IPv4 address (network order) into ifr_addr's storage. */
static void tap_put_addr(struct sockaddr *sa, uint32_t addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = addr };

	memcpy(sa, &sin, sizeof(sin));
}

/*
 * host_ip= (an error if it cannot be set: the user asked for it), then the
 * link up (a warning: whoever owns the interface may bring it up later).
 */
static int tap_configure_host(const struct net_config *cfg, const char *ifname,
			      const char *what)
{
	struct ifreq ifr;
	int sock, err = 0;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		err = errno;
		log_err("vm", "-n/--network %s: socket(AF_INET): %s", what, strerror(err));
		return -err;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strnlen(ifname, IFNAMSIZ - 1));
	if (cfg->has_host_ip) {
		uint32_t mask = htonl(~0U << (32 - cfg->host_prefix));
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &cfg->host_ip, ip, sizeof(ip));
		tap_put_addr(&ifr.ifr_addr, cfg->host_ip);
		if (ioctl(sock, SIOCSIFADDR, &ifr)) {
			err = errno;
		} else {
			tap_put_addr(&ifr.ifr_netmask, mask);
			if (ioctl(sock, SIOCSIFNETMASK, &ifr))
				err = errno;
		}
		if (err) {
			log_err("vm", "-n/--network %s: cannot give %s the address %s/%u: %s%s",
				what, ifname, ip, cfg->host_prefix, strerror(err),
				err == EPERM ? "; run kvmini as root, or drop host_ip= and "
				"set the address yourself (ip addr add)" : "");
			goto out;
		}
	}
	if (ioctl(sock, SIOCGIFFLAGS, &ifr)) {
		err = errno;
		log_err("vm", "-n/--network %s: cannot read %s's flags: %s", what, ifname,
			strerror(err));
		goto out;
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(sock, SIOCSIFFLAGS, &ifr))
			log_warn("vm", "-n/--network %s: %s is down and kvmini cannot bring it "
				 "up (%s); run `ip link set %s up`: until then the guest's "
				 "frames are dropped", what, ifname, strerror(errno), ifname);
	}
out:
	close(sock);
	return -err;
}

int tap_open(const struct net_config *cfg, struct tap *out)
{
	char buf[NET_IFNAME_MAX + 8];
	const char *what = tap_what(cfg, buf, sizeof(buf));
	const char *why = cfg->tapif[0] ? net_ifname_invalid(cfg->tapif) : NULL;
	struct ifreq ifr;
	bool existed;
	int fd, ret;

	out->fd = -1;
	if (why) {
		log_err("vm", "-n/--network %s: %s; name a TAP interface such as tap0",
			what, why);
		return -EINVAL;
	}
	/* For messages only: whether this attaches (persistent TAP) or creates. */
	existed = cfg->tapif[0] && if_nametoindex(cfg->tapif);
	fd = tap_open_tun(what);
	if (fd < 0)
		return fd;
	ret = tap_set_iff(fd, cfg, what, existed, &ifr);
	if (!ret)
		ret = tap_set_vnet(fd, what);
	if (!ret)
		ret = tap_configure_host(cfg, ifr.ifr_name, what);
	if (ret) {
		close(fd);
		return ret;
	}
	out->fd = fd;
	memset(out->ifname, 0, sizeof(out->ifname));
	memcpy(out->ifname, ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ - 1));
	if (!cfg->tapif[0])
		log_info("vm", "-n/--network: the guest's link is the new TAP %s", out->ifname);
	else
		log_debug("vm", "-n/--network: %s the TAP %s", existed ? "attached to" :
			  "created", out->ifname);
	return 0;
}

void tap_close(struct tap *tap)
{
	if (tap->fd >= 0)
		close(tap->fd);
	tap->fd = -1;
}
