/*
 * "lunet k8s manifests": what to "kubectl apply" so that the pods of a
 * StatefulSet are the machines of "--machines k8s:NAMESPACE/NAME:N":
 * a namespace, a headless Service, and the StatefulSet of privileged
 * worker pods, whose init container sets the kernel up for them (the
 * vxlan module, the neighbour tables).  The coordinator then runs
 * "kubectl exec -i POD -- lunet worker" in each (docs/machines.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cluster/coord.h"
#include "tools/cli.h"

/* A DNS-1123 label: what Kubernetes takes as a namespace or a name. */
static bool k8s_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static void manifests(FILE *f, const char *ns, const char *name,
		      const char *image, long workers, unsigned port)
{
	fprintf(f,
		"# lunet k8s manifests: %ld worker pods, the machines of\n"
		"#   lunet up --machines k8s:%s/%s:%ld FILE\n"
		"# kubectl apply -f this file; see docs/machines.md.\n"
		"apiVersion: v1\n"
		"kind: Namespace\n"
		"metadata:\n"
		"  name: %s\n"
		"  labels:\n"
		"    app.kubernetes.io/part-of: lunet\n"
		"---\n"
		"# Headless: each pod gets a stable DNS name; the VXLAN links run\n"
		"# between the pods' own addresses.\n"
		"apiVersion: v1\n"
		"kind: Service\n"
		"metadata:\n"
		"  name: %s\n"
		"  namespace: %s\n"
		"spec:\n"
		"  clusterIP: None\n"
		"  selector:\n"
		"    app: %s\n"
		"  ports:\n"
		"    - name: vxlan\n"
		"      protocol: UDP\n"
		"      port: %u\n"
		"---\n"
		"apiVersion: apps/v1\n"
		"kind: StatefulSet\n"
		"metadata:\n"
		"  name: %s\n"
		"  namespace: %s\n"
		"spec:\n"
		"  serviceName: %s\n"
		"  replicas: %ld\n"
		"  podManagementPolicy: Parallel\n"
		"  selector:\n"
		"    matchLabels:\n"
		"      app: %s\n"
		"  template:\n"
		"    metadata:\n"
		"      labels:\n"
		"        app: %s\n"
		"    spec:\n"
		"      terminationGracePeriodSeconds: 10\n"
		"      initContainers:\n"
		"        # The kernel settings every worker needs: VXLAN, and\n"
		"        # neighbour tables large enough for many namespaces\n"
		"        # (shared by the whole node).\n"
		"        - name: kernel\n"
		"          image: %s\n"
		"          command: [\"sh\", \"-c\", \"modprobe vxlan || true; "
		"sysctl -w net.ipv4.neigh.default.gc_thresh1=16384 "
		"net.ipv4.neigh.default.gc_thresh2=32768 "
		"net.ipv4.neigh.default.gc_thresh3=65536 || true\"]\n"
		"          securityContext:\n"
		"            privileged: true\n"
		"          volumeMounts:\n"
		"            - name: modules\n"
		"              mountPath: /lib/modules\n"
		"              readOnly: true\n"
		"      containers:\n"
		"        # Idle until the coordinator runs\n"
		"        # kubectl exec -i POD -- lunet worker NAME.\n"
		"        - name: worker\n"
		"          image: %s\n"
		"          command: [\"sleep\", \"infinity\"]\n"
		"          env:\n"
		"            - name: POD_IP\n"
		"              valueFrom:\n"
		"                fieldRef:\n"
		"                  fieldPath: status.podIP\n"
		"          ports:\n"
		"            - name: vxlan\n"
		"              containerPort: %u\n"
		"              protocol: UDP\n"
		"          securityContext:\n"
		"            privileged: true\n"
		"          volumeMounts:\n"
		"            - name: run\n"
		"              mountPath: /run\n"
		"      volumes:\n"
		"        - name: run\n"
		"          emptyDir:\n"
		"            medium: Memory\n"
		"        - name: modules\n"
		"          hostPath:\n"
		"            path: /lib/modules\n"
		"            type: Directory\n",
		workers, ns, name, workers, ns, name, ns, name, port, name, ns,
		name, workers, name, name, image, image, port);
}

int cmd_k8s(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "workers", required_argument, NULL, 'w' },
		{ "namespace", required_argument, NULL, 'N' },
		{ "name", required_argument, NULL, 'n' },
		{ "image", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ns = "lunet", *name = "lunet-worker";
	const char *image = "lunet:latest";
	long workers = 2;
	char *end;
	int c;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "k8s", "hw:n:i:", longopts)) != -1) {
		switch (c) {
		case 'w':
			errno = 0;
			workers = strtol(optarg, &end, 10);
			if (errno || *end || workers < 1 || workers > 1024)
				return cli_fail("--workers: '%s' is not a number "
						"from 1 to 1024", optarg);
			break;
		case 'N':
			ns = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'i':
			image = optarg;
			break;
		case 'h':
			cli_help_exit("k8s");
			break;
		}
	}
	if (argc - optind != 1 || strcmp(argv[optind], "manifests"))
		cli_usage_exit("k8s");
	if (!k8s_name_ok(ns))
		return cli_fail("--namespace: '%s' is not a Kubernetes name "
				"(a-z, 0-9 and '-', at most 63)", ns);
	if (!k8s_name_ok(name))
		return cli_fail("--name: '%s' is not a Kubernetes name (a-z, "
				"0-9 and '-', at most 63)", name);
	if (!*image || strpbrk(image, " \t\n\"'"))
		return cli_fail("--image: '%s' is not an image name", image);
	manifests(stdout, ns, name, image, workers, CLUSTER_PORT_DEFAULT);
	return 0;
}
