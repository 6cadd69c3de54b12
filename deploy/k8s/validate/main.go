// Command validate decodes Kubernetes manifests strictly (unknown or mistyped fields are
// errors) into the k8s.io/api types, for machines without a cluster. It is its own module
// so that k8s.io/api never enters darkwatch's go.mod.
//
//	kubectl kustomize deploy/k8s > /tmp/k8s.yaml && (cd deploy/k8s/validate && go run . /tmp/k8s.yaml)
//
// It checks structure and field names, not admission rules or cross-object references.
package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	netv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"
)

var docSep = regexp.MustCompile(`(?m)^---\s*$`)

func main() {
	bad := 0
	for _, path := range os.Args[1:] {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "validate:", err)
			os.Exit(2)
		}
		for i, doc := range docSep.Split(string(data), -1) {
			doc := bytes.TrimSpace([]byte(doc))
			var meta struct{ Kind string }
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				fmt.Printf("%s doc %d: INVALID YAML: %v\n", path, i, err)
				bad++
				continue
			}
			if meta.Kind == "" {
				continue // empty document or comments only
			}
			var obj any
			switch meta.Kind {
			case "Namespace":
				obj = &corev1.Namespace{}
			case "ConfigMap":
				obj = &corev1.ConfigMap{}
			case "Secret":
				obj = &corev1.Secret{}
			case "Service":
				obj = &corev1.Service{}
			case "PersistentVolumeClaim":
				obj = &corev1.PersistentVolumeClaim{}
			case "Deployment":
				obj = &appsv1.Deployment{}
			case "StatefulSet":
				obj = &appsv1.StatefulSet{}
			case "NetworkPolicy":
				obj = &netv1.NetworkPolicy{}
			default:
				fmt.Printf("%s doc %d: kind %s not known to this checker\n", path, i, meta.Kind)
				bad++
				continue
			}
			if err := yaml.UnmarshalStrict(doc, obj); err != nil {
				fmt.Printf("%s doc %d %s: INVALID: %v\n", path, i, meta.Kind, err)
				bad++
				continue
			}
			fmt.Printf("%s doc %d %s: ok\n", path, i, meta.Kind)
		}
	}
	if bad > 0 || len(os.Args) < 2 {
		os.Exit(1)
	}
}
