package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// The Kubernetes API types are a test-only dependency: they check what
// `vsync export kubernetes` writes and never reach the vsync binary.

// exportTo runs `vsync export ARGS... FORMAT DIR/out` in dir (the test
// binary as vsync) and returns DIR/out.
func exportTo(t *testing.T, dir, format string, args ...string) string {
	t.Helper()
	out := filepath.Join(dir, "out-"+format)
	cmd := exec.Command(os.Args[0], append(append([]string{"export"}, args...), format, out)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "VSYNC_TEST_AS_VSYNC=1", "GORACE=atexit_sleep_ms=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("vsync export %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return out
}

// vaultProject writes a vsync.toml recording an env into dir: the exports
// then pass the token and passphrase.
func vaultProject(t *testing.T, dir string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "vsync.toml"), []byte("prefix = \"shop\"\n\n[envs.prod]\nprofile = \"acme\"\n"), 0o644)
}

// k8sSecretAsKubectlMakesIt is the Secret that the command vsync export's
// help gives, `kubectl create secret generic shop-vsync
// --from-file=config=FILE --from-file=passphrase=FILE`, creates (as its
// --dry-run=client -o yaml prints it; the values are placeholders).
const k8sSecretAsKubectlMakesIt = `apiVersion: v1
data:
  config: dG9rZW4=
  passphrase: cGFzc3BocmFzZQ==
kind: Secret
metadata:
  creationTimestamp: null
  name: shop-vsync
`

// TestExportKubernetesDecodesStrictly: every manifest of `vsync export
// kubernetes` decodes strictly (no unknown or misplaced field) into the
// k8s.io/api type its kind names, a Deployment per long-running type and a
// Job per one-off type (release), with valid names and labels, a selector
// that matches its pods, PORT and PS, and secretKeyRefs that all resolve
// in the Secret the help says to create; a dotenv-only project's refer
// to no Secret.
func TestExportKubernetesDecodesStrictly(t *testing.T) {
	var secret corev1.Secret
	if err := yaml.UnmarshalStrict([]byte(k8sSecretAsKubectlMakesIt), &secret); err != nil {
		t.Fatal(err)
	}
	const procfile = "web: puma -p $PORT\nworker: sleep $(cat delay)\nclock_tick: ./clock\nrelease: ./migrate --noinput\n"
	for _, tc := range []struct {
		name    string
		vault   bool
		args    []string
		kinds   map[string]string // file -> kind
		counts  map[string]int32  // file -> replicas or completions
		suspend map[string]bool
	}{
		{
			name: "vault", vault: true, args: []string{"-c", "web=2,worker=1,release=1", "-p", "6000"},
			kinds:  map[string]string{"shop-web.yaml": "Deployment", "shop-worker.yaml": "Deployment", "shop-clock_tick.yaml": "Deployment", "shop-release.yaml": "Job"},
			counts: map[string]int32{"shop-web.yaml": 2, "shop-worker.yaml": 1, "shop-clock_tick.yaml": 0, "shop-release.yaml": 1},
		},
		{
			name: "vault-no-release", vault: true, args: []string{"-c", "web=1"},
			kinds:   map[string]string{"shop-web.yaml": "Deployment", "shop-worker.yaml": "Deployment", "shop-clock_tick.yaml": "Deployment", "shop-release.yaml": "Job"},
			counts:  map[string]int32{"shop-web.yaml": 1, "shop-worker.yaml": 0, "shop-clock_tick.yaml": 0, "shop-release.yaml": 1},
			suspend: map[string]bool{"shop-release.yaml": true},
		},
		{
			name: "dotenv-only-worker-one-off", args: []string{"--one-off", "worker"},
			kinds:  map[string]string{"shop-web.yaml": "Deployment", "shop-worker.yaml": "Job", "shop-clock_tick.yaml": "Deployment", "shop-release.yaml": "Deployment"},
			counts: map[string]int32{"shop-web.yaml": 1, "shop-worker.yaml": 1, "shop-clock_tick.yaml": 1, "shop-release.yaml": 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeProcfile(t, dir, procfile)
			if tc.vault {
				vaultProject(t, dir)
			}
			out := exportTo(t, dir, "kubernetes", append([]string{"-a", "shop"}, tc.args...)...)
			ents, err := os.ReadDir(out)
			if err != nil {
				t.Fatal(err)
			}
			var files []string
			for _, e := range ents {
				files = append(files, e.Name())
			}
			if want := mapKeys(tc.kinds); !slices.Equal(files, want) {
				t.Fatalf("files %q, want %q", files, want)
			}
			for _, f := range files {
				data, err := os.ReadFile(filepath.Join(out, f))
				if err != nil {
					t.Fatal(err)
				}
				var tm metav1.TypeMeta
				if err := yaml.Unmarshal(data, &tm); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				var pod *corev1.PodTemplateSpec
				var meta metav1.ObjectMeta
				switch want := tc.kinds[f]; {
				case want == "Deployment" && tm.APIVersion == "apps/v1" && tm.Kind == want:
					var d appsv1.Deployment
					if err := yaml.UnmarshalStrict(data, &d); err != nil {
						t.Fatalf("%s: not a strict apps/v1 Deployment: %v\n%s", f, err, data)
					}
					meta, pod = d.ObjectMeta, &d.Spec.Template
					if d.Spec.Replicas == nil || *d.Spec.Replicas != tc.counts[f] {
						t.Errorf("%s: replicas %v, want %d", f, d.Spec.Replicas, tc.counts[f])
					}
					sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
					if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
						t.Errorf("%s: selector %v does not select its pods %v (%v)", f, d.Spec.Selector, pod.Labels, err)
					}
				case want == "Job" && tm.APIVersion == "batch/v1" && tm.Kind == want:
					var j batchv1.Job
					if err := yaml.UnmarshalStrict(data, &j); err != nil {
						t.Fatalf("%s: not a strict batch/v1 Job: %v\n%s", f, err, data)
					}
					meta, pod = j.ObjectMeta, &j.Spec.Template
					if j.Spec.Completions == nil || *j.Spec.Completions != tc.counts[f] || j.Spec.Parallelism == nil || *j.Spec.Parallelism != tc.counts[f] {
						t.Errorf("%s: completions %v, parallelism %v, want %d", f, j.Spec.Completions, j.Spec.Parallelism, tc.counts[f])
					}
					if got := j.Spec.Suspend != nil && *j.Spec.Suspend; got != tc.suspend[f] {
						t.Errorf("%s: suspend %v, want %v", f, got, tc.suspend[f])
					}
					if j.Spec.BackoffLimit == nil || *j.Spec.BackoffLimit != 0 || pod.Spec.RestartPolicy != corev1.RestartPolicyNever {
						t.Errorf("%s: a one-off is retried: backoffLimit %v, restartPolicy %q", f, j.Spec.BackoffLimit, pod.Spec.RestartPolicy)
					}
					if j.Spec.Selector != nil {
						t.Errorf("%s: a Job's selector is Kubernetes' to make", f)
					}
				default:
					t.Fatalf("%s: apiVersion %q kind %q, want %s", f, tm.APIVersion, tm.Kind, want)
				}
				checkK8sNames(t, f, meta, pod)
				checkK8sContainer(t, f, pod, tc.vault, &secret)
			}
		})
	}
}

// mapKeys returns m's keys, sorted.
func mapKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// checkK8sNames checks what the API server validates of names and labels.
func checkK8sNames(t *testing.T, f string, meta metav1.ObjectMeta, pod *corev1.PodTemplateSpec) {
	t.Helper()
	for _, msg := range validation.IsDNS1123Subdomain(meta.Name) {
		t.Errorf("%s: name %q: %s", f, meta.Name, msg)
	}
	for _, set := range []map[string]string{meta.Labels, pod.Labels} {
		for k, v := range set {
			for _, msg := range append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...) {
				t.Errorf("%s: label %s=%s: %s", f, k, v, msg)
			}
		}
	}
	if !maps(boolSet(meta.Labels), boolSet(pod.Labels)) || pod.Labels["app"] != "shop" || pod.Labels["process"] == "" {
		t.Errorf("%s: labels %v, pod labels %v", f, meta.Labels, pod.Labels)
	}
}

func boolSet(m map[string]string) map[string]bool {
	s := map[string]bool{}
	for k, v := range m {
		s[k+"="+v] = true
	}
	return s
}

// checkK8sContainer checks the one container: its name, vsync run as its
// command, PORT and PS, and the token and passphrase from secret (vault)
// or from nowhere (dotenv only).
func checkK8sContainer(t *testing.T, f string, pod *corev1.PodTemplateSpec, vault bool, secret *corev1.Secret) {
	t.Helper()
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%s: %d containers", f, len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	for _, msg := range validation.IsDNS1123Label(c.Name) {
		t.Errorf("%s: container name %q: %s", f, c.Name, msg)
	}
	if len(c.Command) != 6 || !slices.Equal(c.Command[:5], []string{"/usr/local/bin/vsync", "run", "--", "/bin/sh", "-c"}) {
		t.Errorf("%s: command %q", f, c.Command)
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		if _, dup := env[e.Name]; dup {
			t.Errorf("%s: %s twice", f, e.Name)
		}
		env[e.Name] = e
	}
	if env["PORT"].Value == "" || env["PS"].Value != pod.Labels["process"] {
		t.Errorf("%s: PORT %q, PS %q", f, env["PORT"].Value, env["PS"].Value)
	}
	refs := 0
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			continue
		}
		ref := e.ValueFrom.SecretKeyRef
		if ref == nil {
			t.Errorf("%s: %s from something other than a Secret", f, e.Name)
			continue
		}
		refs++
		if ref.Name != secret.Name {
			t.Errorf("%s: %s from Secret %q, the help creates %q", f, e.Name, ref.Name, secret.Name)
		}
		if _, ok := secret.Data[ref.Key]; !ok {
			t.Errorf("%s: %s from key %q, not in the Secret (%v)", f, e.Name, ref.Key, mapKeys(secret.Data))
		}
	}
	switch {
	case vault && (refs != 2 || env["VSYNC_CONFIG"].ValueFrom == nil || env["VSYNC_PASSPHRASE"].ValueFrom == nil):
		t.Errorf("%s: VSYNC_CONFIG and VSYNC_PASSPHRASE must come from the Secret (%d references)", f, refs)
	case !vault && refs != 0:
		t.Errorf("%s: a dotenv-only project refers to a Secret", f)
	}
}
