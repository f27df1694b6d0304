/*
 * machines: "--machines" specs parsed into a list of machines.
 *
 * The names end up where node names do (net:place(), records, messages),
 * so they keep to the alphabet of topo_node_set_machine(); hosts, users
 * and Kubernetes names are checked against what ssh and Kubernetes take,
 * so that a typo is caught here rather than by a connection that fails
 * later on one machine of many.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/machines.h"
#include "topo/topo.h"

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define LOWER_ALNUM "abcdefghijklmnopqrstuvwxyz0123456789"
#define DNS_LABEL_MAX 63

void topo_machines_free(struct topo_machines *m)
{
	uint32_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++) {
		free(m->v[i].name);
		free(m->v[i].user);
		free(m->v[i].host);
	}
	free(m->v);
	free(m->k8s_namespace);
	free(m->k8s_set);
	memset(m, 0, sizeof(*m));
}

/* Whether s[0..len) is all of set (and not empty). */
static bool only(const char *s, size_t len, const char *set)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (!s[i] || !strchr(set, s[i]))
			return false;
	return true;
}

/* A decimal count from 1 to max, all of s[0..len). */
static bool count_parse(const char *s, size_t len, unsigned long max,
			unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 9 || !only(s, len, "0123456789"))
		return false;
	for (i = 0; i < len; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	*out = v;
	return v >= 1 && v <= max;
}

static int machines_alloc(struct topo_machines *m, uint32_t n)
{
	m->v = calloc(n ? n : 1, sizeof(*m->v));
	return m->v ? 0 : -ENOMEM;
}

/* A machine named by the spec, or "m<i+1>" when name is NULL. */
static int name_set(struct topo_machine *mc, const char *name, size_t len,
		    uint32_t i)
{
	char buf[16];

	if (!name) {
		snprintf(buf, sizeof(buf), "m%u", i + 1);
		name = buf;
		len = strlen(buf);
	}
	mc->name = strndup(name, len);
	return mc->name ? 0 : -ENOMEM;
}

static int local_parse(const char *spec, const char *arg,
		       struct topo_machines *out, struct err *err)
{
	unsigned long n;
	uint32_t i;

	if (!count_parse(arg, strlen(arg), TOPO_MACHINES_MAX, &n))
		return err_set(err, -EINVAL,
			       "machines '%s': '%s' is not a number of "
			       "machines from 1 to %d",
			       spec, arg, TOPO_MACHINES_MAX);
	out->kind = TOPO_MACHINES_LOCAL;
	if (machines_alloc(out, (uint32_t)n) < 0)
		return -ENOMEM;
	for (i = 0; i < n; i++, out->n++)
		if (name_set(&out->v[i], NULL, 0, i) < 0)
			return -ENOMEM;
	return 0;
}

/* A Kubernetes name: a DNS label (RFC 1123), lower case. */
static bool dns_label(const char *s, size_t len)
{
	return len <= DNS_LABEL_MAX && only(s, len, LOWER_ALNUM "-") &&
	       s[0] != '-' && s[len - 1] != '-';
}

static int k8s_parse(const char *spec, const char *arg,
		     struct topo_machines *out, struct err *err)
{
	const char *slash = strchr(arg, '/'), *colon, *set;
	unsigned long n = 0;
	size_t nslen, setlen;
	uint32_t i;
	char buf[DNS_LABEL_MAX + 16];

	if (!slash)
		return err_set(err, -EINVAL,
			       "machines '%s': '%s' is not "
			       "NAMESPACE/STATEFULSET[:N]", spec, arg);
	set = slash + 1;
	colon = strchr(set, ':');
	nslen = (size_t)(slash - arg);
	setlen = colon ? (size_t)(colon - set) : strlen(set);
	if (!dns_label(arg, nslen))
		return err_set(err, -EINVAL,
			       "machines '%s': namespace '%.*s' is not a "
			       "Kubernetes name (1 to 63 of a-z 0-9 -, not "
			       "starting or ending with -)",
			       spec, (int)nslen, arg);
	if (!dns_label(set, setlen))
		return err_set(err, -EINVAL,
			       "machines '%s': stateful set '%.*s' is not a "
			       "Kubernetes name (1 to 63 of a-z 0-9 -, not "
			       "starting or ending with -)",
			       spec, (int)setlen, set);
	if (colon && !count_parse(colon + 1, strlen(colon + 1),
				  TOPO_MACHINES_MAX, &n))
		return err_set(err, -EINVAL,
			       "machines '%s': replicas '%s' is not a number "
			       "from 1 to %d", spec, colon + 1,
			       TOPO_MACHINES_MAX);
	out->kind = TOPO_MACHINES_K8S;
	out->k8s_namespace = strndup(arg, nslen);
	out->k8s_set = strndup(set, setlen);
	if (!out->k8s_namespace || !out->k8s_set ||
	    machines_alloc(out, (uint32_t)n) < 0)
		return -ENOMEM;
	/* A stateful set's pods are NAME-0 to NAME-(N-1). */
	for (i = 0; i < n; i++, out->n++) {
		snprintf(buf, sizeof(buf), "%s-%u", out->k8s_set, i);
		if (name_set(&out->v[i], buf, strlen(buf), i) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* host[:port] or [address]:port, at s[0..len). */
static int host_parse(const char *spec, const char *s, size_t len,
		      struct topo_machine *mc, struct err *err)
{
	const char *colon, *end = s + len;
	unsigned long port;
	size_t hlen;

	if (len && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close || !only(s + 1, (size_t)(close - s - 1),
				    "0123456789abcdefABCDEF:."))
			return err_set(err, -EINVAL,
				       "machines '%s': '%.*s' is not an IPv6 "
				       "address in brackets",
				       spec, (int)len, s);
		colon = close + 1 < end ? close + 1 : NULL;
		if (colon && *colon != ':')
			return err_set(err, -EINVAL,
				       "machines '%s': '%.*s': after ']' "
				       "comes ':PORT' or nothing",
				       spec, (int)len, s);
		mc->host = strndup(s + 1, (size_t)(close - s - 1));
	} else {
		colon = memchr(s, ':', len);
		hlen = colon ? (size_t)(colon - s) : len;
		if (!only(s, hlen, ALNUM ".-_") || s[0] == '-' ||
		    s[0] == '.')
			return err_set(err, -EINVAL,
				       "machines '%s': host '%.*s' is not a "
				       "host name or address",
				       spec, (int)hlen, s);
		mc->host = strndup(s, hlen);
	}
	if (!mc->host)
		return -ENOMEM;
	if (!colon)
		return 0;
	if (!count_parse(colon + 1, (size_t)(end - colon - 1), 65535, &port))
		return err_set(err, -EINVAL,
			       "machines '%s': port '%.*s' is not a number "
			       "from 1 to 65535",
			       spec, (int)(end - colon - 1), colon + 1);
	mc->port = (uint16_t)port;
	return 0;
}

/* One item of an ssh list, s[0..len): [name=]ssh://[user@]host[:port]. */
static int ssh_item(const char *spec, const char *s, size_t len,
		    uint32_t i, struct topo_machine *mc, struct err *err)
{
	const char *eq = memchr(s, '=', len), *at, *name = NULL;
	size_t nlen = 0;
	struct err why;
	int ret;

	if (len == 0)
		return err_set(err, -EINVAL,
			       "machines '%s': machine %u is empty", spec,
			       i + 1);
	if (eq) {
		name = s;
		nlen = (size_t)(eq - s);
		if (nlen == 0 || nlen > TOPO_PLACE_NAME_MAX ||
		    !only(s, nlen, ALNUM "_.:-"))
			return err_set(err, -EINVAL,
				       "machines '%s': machine name '%.*s' "
				       "must be 1 to %d of A-Z a-z 0-9 _ . : -",
				       spec, (int)nlen, s,
				       TOPO_PLACE_NAME_MAX);
		len -= nlen + 1;
		s = eq + 1;
	}
	if (len < 6 || strncmp(s, "ssh://", 6))
		return err_set(err, -EINVAL,
			       "machines '%s': '%.*s' is not "
			       "ssh://[user@]host[:port]",
			       spec, (int)len, s);
	s += 6;
	len -= 6;
	at = memchr(s, '@', len);
	if (at) {
		if (!only(s, (size_t)(at - s), ALNUM "._-"))
			return err_set(err, -EINVAL,
				       "machines '%s': user '%.*s' is not a "
				       "user name",
				       spec, (int)(at - s), s);
		mc->user = strndup(s, (size_t)(at - s));
		if (!mc->user)
			return -ENOMEM;
		len -= (size_t)(at - s) + 1;
		s = at + 1;
	}
	ret = host_parse(spec, s, len, mc, &why);
	if (ret < 0)
		return ret == -ENOMEM ? ret : err_set(err, ret, "%s", why.msg);
	return name_set(mc, name, nlen, i);
}

static int ssh_parse(const char *spec, struct topo_machines *out,
		     struct err *err)
{
	const char *s, *comma;
	uint32_t n = 1, i, j;
	int ret;

	for (s = spec; *s; s++)
		n += *s == ',';
	if (n > TOPO_MACHINES_MAX)
		return err_set(err, -EINVAL,
			       "machines: %u machines, more than %d", n,
			       TOPO_MACHINES_MAX);
	out->kind = TOPO_MACHINES_SSH;
	if (machines_alloc(out, n) < 0)
		return -ENOMEM;
	for (s = spec, i = 0; i < n; i++, s = comma + 1) {
		comma = strchr(s, ',');
		if (!comma)
			comma = s + strlen(s);
		out->n++;
		ret = ssh_item(spec, s, (size_t)(comma - s), i, &out->v[i],
			       err);
		if (ret < 0)
			return ret;
		for (j = 0; j < i; j++)
			if (!strcmp(out->v[j].name, out->v[i].name))
				return err_set(err, -EINVAL,
					       "machines '%s': machines %u and "
					       "%u are both named '%s'",
					       spec, j + 1, i + 1,
					       out->v[i].name);
	}
	return 0;
}

int topo_machines_parse(const char *spec, struct topo_machines *out,
			struct err *err)
{
	int ret;

	memset(out, 0, sizeof(*out));
	if (!spec || !*spec)
		return err_set(err, -EINVAL, "machines: the spec is empty");
	if (!strncmp(spec, "local:", 6))
		ret = local_parse(spec, spec + 6, out, err);
	else if (!strncmp(spec, "k8s:", 4))
		ret = k8s_parse(spec, spec + 4, out, err);
	else if (strstr(spec, "ssh://"))
		ret = ssh_parse(spec, out, err);
	else
		ret = err_set(err, -EINVAL,
			      "machines '%s' is none of local:N, "
			      "ssh://[user@]host[:port],... and "
			      "k8s:NAMESPACE/STATEFULSET[:N]", spec);
	if (ret == -ENOMEM)
		err_set(err, ret, "machines '%s': out of memory", spec);
	if (ret < 0)
		topo_machines_free(out);
	return ret;
}
