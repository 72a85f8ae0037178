//go:build linux

// Package e2e drives the real binaries as a user would: a local control plane
// (hack/localcluster: envtest's kube-apiserver and etcd), the AWS simulator (cmd/awssim)
// and the operator (cmd/manager), all built into a temp dir and run as processes, with
// kubectl as the only client of the cluster. Outcomes are read from kubectl and from the
// simulator's admin endpoint (/_awssim/inventory, /_awssim/calls).
//
// The suite skips when the control plane binaries (kube-apiserver, etcd: `make envtest`)
// or kubectl are missing. It is Linux-only: it relies on process groups and the parent
// death signal so that no process outlives the test binary.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/internal/testenv"
)

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "E2E Suite")
}

// suite is what BeforeSuite brings up and every spec shares.
var suite struct {
	root       string // the repository checkout
	dir        string // temp dir: binaries, kubeconfig, logs
	kubeconfig string
	kubectl    string // kubectl of the control plane's version, built by make envtest
	endpoint   string // the simulator, http://127.0.0.1:<port>
	cluster    *proc
	sim        *proc
	manager    *proc // nil while stopped
	managerN   int   // how many managers were started, for log names
	failed     bool  // a spec failed: keep the logs
}

var _ = BeforeSuite(func() {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	Expect(err).NotTo(HaveOccurred())
	suite.root = root

	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = testenv.AssetsDir()
	}
	for _, bin := range []string{"kube-apiserver", "etcd", "kubectl"} {
		if _, err := os.Stat(filepath.Join(assets, bin)); err != nil {
			Skip(fmt.Sprintf("e2e: no %s in %s (set KUBEBUILDER_ASSETS or run `make envtest`): %v", bin, assets, err))
		}
	}
	suite.kubectl = filepath.Join(assets, "kubectl")

	suite.dir, err = os.MkdirTemp("", "flask-operator-e2e-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		if suite.failed || CurrentSpecReport().Failed() || os.Getenv("E2E_KEEP") != "" {
			GinkgoWriter.Printf("e2e: logs kept in %s\n", suite.dir)
			return
		}
		_ = os.RemoveAll(suite.dir)
	})

	By("building the manager, the simulator and the local control plane")
	build := exec.Command("go", "build", "-o", suite.dir+string(filepath.Separator),
		"./cmd/manager", "./cmd/awssim", "./hack/localcluster")
	build.Dir = root
	out, err := build.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "go build: %s", out)

	By("starting the control plane")
	suite.kubeconfig = filepath.Join(suite.dir, "kubeconfig")
	// SIGTERM, not SIGKILL, on the way out: localcluster stops kube-apiserver and etcd.
	suite.cluster = startProc("localcluster", nil, syscall.SIGTERM,
		filepath.Join(suite.dir, "localcluster"),
		"--write-kubeconfig", suite.kubeconfig,
		"--crds", filepath.Join(root, "config", "crd", "bases"),
		"--assets", assets)
	DeferCleanup(suite.cluster.stop)
	Eventually(func() (int64, error) {
		if suite.cluster.exited() {
			StopTrying("localcluster exited:\n" + tail(suite.cluster.logPath, 40)).Now()
		}
		fi, err := os.Stat(suite.kubeconfig)
		if err != nil {
			return 0, err
		}
		return fi.Size(), nil
	}).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(BeNumerically(">", 0))
	Eventually(func() error {
		_, err := kubectl("get", "crd", "flaskdeployments.deploy.flaskops.io")
		return err
	}).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())

	By("starting the AWS simulator on a free loopback port")
	// Port 0: the kernel picks a free port and the simulator prints it in its exports.
	suite.sim = startProc("awssim", nil, syscall.SIGKILL,
		filepath.Join(suite.dir, "awssim"), "--addr", "127.0.0.1:0", "--time-scale", "0.01")
	DeferCleanup(suite.sim.stop)
	Eventually(func() string {
		if suite.sim.exited() {
			StopTrying("awssim exited:\n" + tail(suite.sim.logPath, 40)).Now()
		}
		return suite.sim.export("AWS_ENDPOINT_URL")
	}).WithTimeout(30 * time.Second).WithPolling(50 * time.Millisecond).ShouldNot(BeEmpty())
	suite.endpoint = suite.sim.export("AWS_ENDPOINT_URL")
	Expect(inventory()).To(BeEmpty())

	By("starting the operator")
	startManager()
	DeferCleanup(stopManager)
})

// Every spec starts with a well-behaved simulator and a running operator, and leaves the
// simulator and the manager's last lines in the report when it fails.
var _ = BeforeEach(func() {
	setFaults(`{}`)
	// The permissions boundary an administrator creates at install (again after a failed
	// spec emptied the simulator).
	Expect(testenv.CreateBoundary(context.Background(), iam.NewFromConfig(testenv.SimConfig(suite.endpoint)), clusterName)).To(Succeed())
	if suite.manager == nil || suite.manager.exited() {
		startManager()
	}
})

var _ = AfterEach(func() {
	setFaults(`{}`)
	if CurrentSpecReport().Failed() {
		suite.failed = true
	}
	if !CurrentSpecReport().Failed() {
		return
	}
	if suite.manager != nil {
		AddReportEntry("manager log (last lines)", tail(suite.manager.logPath, 80))
	}
	AddReportEntry("simulator inventory", must(httpGet("/_awssim/inventory")))
	// A failed spec must not fail the next ones: drop its objects without the operator
	// and empty the simulator.
	out, _ := kubectl("get", "flaskdeployments", "-A", "-o", `jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\n"}{end}`)
	for _, obj := range strings.Fields(out) {
		ns, name, _ := strings.Cut(obj, "/")
		_, _ = kubectl("patch", "flaskdeployment", name, "-n", ns, "--type=merge", "-p", `{"metadata":{"finalizers":null}}`)
		_, _ = kubectl("delete", "flaskdeployment", name, "-n", ns, "--wait=false")
	}
	if resp, err := http.Post(suite.endpoint+"/_awssim/reset", "application/json", nil); err == nil {
		_ = resp.Body.Close()
	}
})

// clusterName is the manager's --cluster-name.
const clusterName = "e2e"

// managerArgs run the operator fast against the simulator's fast clock.
var managerArgs = []string{
	"--cluster-name=" + clusterName, "--metrics-bind-address=0", "--health-probe-bind-address=0",
	"--max-requeue-after=500ms", "--resync-period=10s",
}

func startManager() {
	GinkgoHelper()
	Expect(suite.manager == nil || suite.manager.exited()).To(BeTrue(), "a manager is already running")
	suite.managerN++
	env := []string{
		"KUBECONFIG=" + suite.kubeconfig,
		"AWS_ENDPOINT_URL=" + suite.endpoint,
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=awssim",
		"AWS_SECRET_ACCESS_KEY=awssim",
		"AWS_EC2_METADATA_DISABLED=true",
	}
	suite.manager = startProc(fmt.Sprintf("manager-%d", suite.managerN), env, syscall.SIGKILL,
		filepath.Join(suite.dir, "manager"), managerArgs...)
}

// killManager is kill -9: no graceful shutdown, whatever was in flight is lost.
func killManager() {
	GinkgoHelper()
	Expect(suite.manager).NotTo(BeNil())
	suite.manager.signal(syscall.SIGKILL)
	Eventually(suite.manager.exited).WithTimeout(10 * time.Second).WithPolling(10 * time.Millisecond).Should(BeTrue())
}

func stopManager() {
	if suite.manager != nil {
		suite.manager.stop()
	}
}

// proc is a child process with its output in a log file.
type proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}

	mu     sync.Mutex
	stdout bytes.Buffer // kept in memory too, for the simulator's exports
}

// startProc starts bin in its own process group; deathSig is what the kernel sends it if
// the test binary dies without cleaning up.
func startProc(name string, env []string, deathSig syscall.Signal, bin string, args ...string) *proc {
	GinkgoHelper()
	p := &proc{name: name, logPath: filepath.Join(suite.dir, name+".log"), done: make(chan struct{})}
	logFile, err := os.Create(p.logPath)
	Expect(err).NotTo(HaveOccurred())
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = suite.root
	p.cmd.Env = append(cleanEnv(), env...)
	p.cmd.Stdout = io.MultiWriter(logFile, lockedWriter{p})
	p.cmd.Stderr = logFile
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: deathSig}
	Expect(p.cmd.Start()).To(Succeed(), "start %s", name)
	go func() {
		_ = p.cmd.Wait()
		_ = logFile.Close()
		close(p.done)
	}()
	return p
}

type lockedWriter struct{ p *proc }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.stdout.Write(b)
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) signal(sig syscall.Signal) { _ = p.cmd.Process.Signal(sig) }

// stop asks politely, then kills the whole process group (kube-apiserver and etcd are
// localcluster's children).
func (p *proc) stop() {
	if !p.exited() {
		p.signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			GinkgoWriter.Printf("e2e: %s did not stop on SIGTERM; killing its process group\n", p.name)
		}
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// export reads `export KEY=value` from the process's stdout.
func (p *proc) export(key string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	sc := bufio.NewScanner(bytes.NewReader(p.stdout.Bytes()))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "export "+key+"="); ok {
			return v
		}
	}
	return ""
}

// cleanEnv is the test's environment without anything that could point a child at real
// AWS or at another cluster.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || k == "KUBECONFIG" {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// kubectl runs kubectl against the local cluster and returns its stdout; the error carries
// stderr.
func kubectl(args ...string) (string, error) {
	return kubectlIn("", args...)
}

func kubectlIn(stdin string, args ...string) (string, error) {
	cmd := exec.Command(suite.kubectl, append([]string{"--cache-dir", filepath.Join(suite.dir, "kubecache")}, args...)...)
	cmd.Env = append(cleanEnv(), "KUBECONFIG="+suite.kubeconfig)
	cmd.Dir = suite.root
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// kubectlOK is kubectl that must succeed.
func kubectlOK(args ...string) string {
	GinkgoHelper()
	out, err := kubectl(args...)
	Expect(err).NotTo(HaveOccurred())
	return out
}

// apply pipes a manifest into kubectl apply.
func apply(ns, manifest string) {
	GinkgoHelper()
	_, err := kubectlIn(manifest, "apply", "-n", ns, "-f", "-")
	Expect(err).NotTo(HaveOccurred())
}

// newNamespace creates a namespace for one spec. It is not deleted: the local control
// plane runs no namespace controller, and the cluster goes away with the suite.
func newNamespace(name string) string {
	GinkgoHelper()
	kubectlOK("create", "namespace", name)
	return name
}

// resource is one entry of /_awssim/inventory.
type resource struct {
	Service string            `json:"service"`
	Type    string            `json:"type"`
	ID      string            `json:"id"`
	Region  string            `json:"region"`
	Tags    map[string]string `json:"tags"`
}

func (r resource) String() string {
	return fmt.Sprintf("%s:%s %s (%s) owner=%q", r.Service, r.Type, r.ID, r.Region, r.Tags["flaskops.io/owner"])
}

func httpGet(path string) (string, error) {
	resp, err := http.Get(suite.endpoint + path)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	return string(b), err
}

func must(s string, err error) string {
	if err != nil {
		return err.Error()
	}
	return s
}

// inventory is every live resource the simulator holds.
func inventory() []resource {
	GinkgoHelper()
	body, err := httpGet("/_awssim/inventory")
	Expect(err).NotTo(HaveOccurred())
	var out []resource
	Expect(json.Unmarshal([]byte(body), &out)).To(Succeed())
	return out
}

// owned is the inventory of one FlaskDeployment, by its ownership tag.
func owned(ns, name string) []resource {
	GinkgoHelper()
	var out []resource
	for _, r := range inventory() {
		if r.Tags["flaskops.io/owner"] == ns+"/"+name {
			out = append(out, r)
		}
	}
	return out
}

// countByType counts resources as "service:type".
func countByType(rs []resource) map[string]int {
	out := map[string]int{}
	for _, r := range rs {
		out[r.Service+":"+r.Type]++
	}
	return out
}

// calls is the simulator's call counters, "service:Operation" → count.
func calls() map[string]int {
	GinkgoHelper()
	body, err := httpGet("/_awssim/calls")
	Expect(err).NotTo(HaveOccurred())
	out := map[string]int{}
	Expect(json.Unmarshal([]byte(body), &out)).To(Succeed())
	return out
}

// post sends a control to the simulator (/_awssim/...).
func post(path, body string) {
	GinkgoHelper()
	resp, err := http.Post(suite.endpoint+path, "application/json", strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	Expect(resp.StatusCode).To(BeNumerically("<", 300), "POST %s", path)
}

func setFaults(body string) {
	GinkgoHelper()
	resp, err := http.Post(suite.endpoint+"/_awssim/faults", "application/json", strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	Expect(resp.StatusCode).To(Equal(http.StatusNoContent))
}
