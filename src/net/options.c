// SPDX-License-Identifier: GPL-2.0-only
/*
 * -n/--network KEY=VALUE[,KEY=VALUE...], kvmtool's spelling: mode=tap|none,
 * tapif=NAME, guest_mac=MAC, host_ip=A.B.C.D[/N]. Pure syntax: whether
 * the host can create the interface is tap_open()'s question. Every
 * mistake names the option, the whole value, the key and what to do.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/cli.h>
#include <kvmini/net.h>
#include <kvmini/parse.h>

#define NET_DEFAULT_PREFIX 24
#define NET_KEYS "mode, tapif, guest_mac, host_ip, guest_ip"

#define net_error(arg, fmt, ...) \
	cli_usage_error("run", "-n/--network %s: " fmt, arg, ##__VA_ARGS__)

enum net_key { KEY_MODE, KEY_TAPIF, KEY_GUEST_MAC, KEY_HOST_IP, KEY_GUEST_IP, NR_KEYS };

static const char *const key_names[NR_KEYS] = {
	[KEY_MODE] = "mode", [KEY_TAPIF] = "tapif", [KEY_GUEST_MAC] = "guest_mac",
	[KEY_HOST_IP] = "host_ip", [KEY_GUEST_IP] = "guest_ip",
};

/* kvmtool's keys kvmini has no use for: named as such rather than as unknown. */
static const char *const kvmtool_only_keys[] = {
	"host_mac", "script", "downscript", "vhost", "fd", "trans", "mq",
};

const char *net_ifname_invalid(const char *name)
{
	size_t len = strnlen(name, NET_IFNAME_MAX);

	if (!len)
		return "an interface name cannot be empty";
	if (len >= NET_IFNAME_MAX)
		return "interface names have at most 15 characters";
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "'.' and '..' cannot name an interface";
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return "interface names cannot contain '/', ':' or whitespace";
	return NULL;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Exactly six pairs of hex digits separated by ':'. */
static bool parse_mac(const char *s, uint8_t mac[NET_MAC_LEN])
{
	for (int i = 0; i < NET_MAC_LEN; i++, s += 3) {
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

		if (lo < 0 || s[2] != (i == NET_MAC_LEN - 1 ? '\0' : ':'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* A.B.C.D with an optional /N (1..32): the address in network order. */
static bool parse_ipv4(const char *s, uint32_t *ip, unsigned int *prefix)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	struct in_addr in;
	uint64_t n = NET_DEFAULT_PREFIX;

	if (len >= sizeof(addr))
		return false;
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, &in) != 1)
		return false;
	if (slash && parse_uint(slash + 1, 1, 32, &n))
		return false;
	*ip = in.s_addr;
	*prefix = (unsigned int)n;
	return true;
}

static int net_parse_value(const char *arg, enum net_key key, const char *val,
			   struct net_config *out)
{
	const char *why;
	uint32_t ip, host;
	unsigned int prefix;

	switch (key) {
	case KEY_MODE:
		if (!strcmp(val, "tap")) {
			out->mode = NET_MODE_TAP;
		} else if (!strcmp(val, "none")) {
			out->mode = NET_MODE_NONE;
		} else if (!strcmp(val, "user")) {
			return net_error(arg, "kvmtool's user-mode network (mode=user) is not "
					 "supported by kvmini; use mode=tap with tapif=NAME, or "
					 "mode=none");
		} else {
			return net_error(arg, "unknown mode '%s' (modes: tap, none)", val);
		}
		return 0;
	case KEY_TAPIF:
		why = net_ifname_invalid(val);
		if (why)
			return net_error(arg, "tapif '%s': %s; name a TAP interface such "
					 "as tap0", val, why);
		strcpy(out->tapif, val);
		return 0;
	case KEY_GUEST_MAC:
		if (!parse_mac(val, out->guest_mac))
			return net_error(arg, "guest_mac '%s': not a MAC address; give six "
					 "hex pairs such as 02:00:00:00:00:01", val);
		if (out->guest_mac[0] & 1)
			return net_error(arg, "guest_mac '%s': a multicast address (the "
					 "first byte is odd); give a unicast one such as "
					 "02:00:00:00:00:01", val);
		if (!memcmp(out->guest_mac, "\0\0\0\0\0\0", NET_MAC_LEN))
			return net_error(arg, "guest_mac '%s': the zero address; give one "
					 "such as 02:00:00:00:00:01", val);
		out->has_guest_mac = true;
		return 0;
	case KEY_HOST_IP:
	case KEY_GUEST_IP:
		if (!parse_ipv4(val, &ip, &prefix))
			return net_error(arg, "%s '%s': not an IPv4 address with an optional "
					 "/prefix (e.g. 192.168.33.1/24)", key_names[key], val);
		if (key == KEY_GUEST_IP)
			return 0;	/* kvmtool's, for its user-mode network only */
		host = ntohl(ip);
		if (!host || host >= 0xe0000000)
			return net_error(arg, "host_ip '%s': not a unicast address for the "
					 "host's side of the link", val);
		out->has_host_ip = true;
		out->host_ip = ip;
		out->host_prefix = prefix;
		return 0;
	case NR_KEYS:
		break;
	}
	return -EINVAL;
}

static int net_parse_item(const char *arg, char *item, unsigned int *seen,
			  struct net_config *out)
{
	char *eq = strchr(item, '=');
	const char *val;

	if (!*item)
		return net_error(arg, "an empty item; give KEY=VALUE pairs separated by "
				 "commas, e.g. mode=tap,tapif=tap0");
	if (!eq)
		return net_error(arg, "'%s' is not KEY=VALUE; e.g. mode=tap,tapif=tap0", item);
	*eq = '\0';
	val = eq + 1;
	for (unsigned int k = 0; k < NR_KEYS; k++) {
		if (strcmp(item, key_names[k]))
			continue;
		if (*seen & 1U << k)
			return net_error(arg, "key '%s' given twice", item);
		*seen |= 1U << k;
		if (!*val)
			return net_error(arg, "key '%s' has no value", item);
		return net_parse_value(arg, (enum net_key)k, val, out);
	}
	for (size_t i = 0; i < ARRAY_SIZE(kvmtool_only_keys); i++)
		if (!strcmp(item, kvmtool_only_keys[i]))
			return net_error(arg, "kvmtool's key '%s' is not supported by kvmini "
					 "(keys: " NET_KEYS ")", item);
	return net_error(arg, "unknown key '%s' (keys: " NET_KEYS ")", item);
}

int net_parse_option(const char *arg, struct net_config *out)
{
	struct net_config cfg = { .mode = NET_MODE_TAP, .host_prefix = NET_DEFAULT_PREFIX };
	unsigned int seen = 0;
	char *copy, *item, *next;
	int ret = 0;

	if (!*arg)
		return net_error("''", "no value; give mode=tap,tapif=NAME or mode=none");
	copy = strdup(arg);
	if (!copy)
		return -ENOMEM;
	/* Commas only separate items: no key takes a value with a comma. */
	for (item = copy; item && !ret; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		ret = net_parse_item(arg, item, &seen, &cfg);
	}
	free(copy);
	if (ret)
		return ret;
	if (cfg.mode == NET_MODE_NONE && seen != 1U << KEY_MODE)
		return net_error(arg, "mode=none means no network device and takes no other "
				 "keys");
	*out = cfg;
	return 0;
}

void net_guest_mac(const struct net_config *cfg, unsigned int index,
		   uint8_t mac[NET_MAC_LEN])
{
	/* 02: locally administered unicast; then "kvmi" in ASCII. */
	static const uint8_t base[NET_MAC_LEN] = { 0x02, 0x6b, 0x76, 0x6d, 0x69, 0x00 };

	if (cfg->has_guest_mac) {
		memcpy(mac, cfg->guest_mac, NET_MAC_LEN);
		return;
	}
	memcpy(mac, base, NET_MAC_LEN);
	mac[5] = (uint8_t)index;
}
