//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codestarconnections"
	cstypes "github.com/aws/aws-sdk-go-v2/service/codestarconnections/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

const sample = "config/samples/deploy_v1alpha1_flaskdeployment.yaml"

// Generous for a fast simulator clock (a NAT gateway takes about a second), so that a
// loaded CI machine does not flake; a healthy run takes a few seconds.
const (
	readyTimeout   = "150s"
	deleteTimeout  = "150s"
	eventualLong   = 90 * time.Second
	pollFast       = 5 * time.Millisecond
	pollKubernetes = 250 * time.Millisecond
)

// fixedImage is the image of the specs that have no pipeline: one outside ECR, which the
// simulated ECS always pulls.
const fixedImage = "public.ecr.aws/docker/library/python:3.12-slim"

// fdManifest is a FlaskDeployment with the defaults but for a name, a fixed image (unless
// specLines set the service) and some spec lines.
func fdManifest(name, specLines string) string {
	if !strings.Contains(specLines, "  service:") {
		specLines = "  service:\n    image: " + fixedImage + "\n" + specLines
	}
	return fmt.Sprintf(`apiVersion: deploy.flaskops.io/v1alpha1
kind: FlaskDeployment
metadata:
  name: %s
spec:
  tags:
    project: %s
%s`, name, name, specLines)
}

// getFD is `kubectl get fd -o json`, decoded.
func getFD(ns, name string) *v1alpha1.FlaskDeployment {
	GinkgoHelper()
	out := kubectlOK("get", "flaskdeployment", name, "-n", ns, "-o", "json")
	fd := &v1alpha1.FlaskDeployment{}
	Expect(json.Unmarshal([]byte(out), fd)).To(Succeed())
	return fd
}

func waitReady(ns, name string) {
	GinkgoHelper()
	_, err := kubectl("wait", "flaskdeployment/"+name, "-n", ns, "--for=condition=Ready", "--timeout="+readyTimeout)
	Expect(err).NotTo(HaveOccurred(), "status: %s", must(kubectl("get", "fd", name, "-n", ns, "-o", "jsonpath={.status}")))
}

// deleteFD deletes as a user does: kubectl waits for the finalizer to go.
func deleteFD(ns, name string) {
	GinkgoHelper()
	_, err := kubectl("delete", "flaskdeployment/"+name, "-n", ns, "--timeout="+deleteTimeout)
	Expect(err).NotTo(HaveOccurred(), "status: %s", must(kubectl("get", "fd", name, "-n", ns, "-o", "jsonpath={.status}")))
}

// expectedSeed is what the seed's network (two zones, one NAT gateway), repository and
// service are in AWS, for one FlaskDeployment: the public route table and one private
// route table per NAT gateway are the operator's; the VPC's main route table comes with
// the VPC.
var expectedSeed = map[string]int{
	"ec2:vpc":                           1,
	"ec2:subnet":                        4,
	"ec2:internet-gateway":              1,
	"ec2:elastic-ip":                    1,
	"ec2:natgateway":                    1,
	"ec2:route-table":                   2,
	"ecr:repository":                    1,
	"ssm:parameter":                     1,
	"iam:role":                          1,
	"logs:log-group":                    1,
	"ec2:security-group":                2,
	"elasticloadbalancing:loadbalancer": 1,
	"elasticloadbalancing:targetgroup":  1,
	"elasticloadbalancing:listener":     1,
	"ecs:cluster":                       1,
	"ecs:task-definition":               1,
	"ecs:service":                       1,
}

// expectExactlyOneSeed proves there is exactly one of everything for ns/name, and that
// status names exactly those resources.
func expectExactlyOneSeed(ns, name string) {
	GinkgoHelper()
	Expect(countByType(owned(ns, name))).To(Equal(expectedSeed), "owned by %s/%s: %v", ns, name, owned(ns, name))
	fd := getFD(ns, name)
	net := fd.Status.Network
	ids := map[string]bool{}
	for _, r := range owned(ns, name) {
		ids[r.ID] = true
	}
	Expect(ids).To(HaveKey(net.VPCID))
	Expect(ids).To(HaveKey(net.InternetGatewayID))
	Expect(ids).To(HaveKey(net.PublicRouteTableID))
	Expect(net.PublicSubnets).To(HaveLen(2))
	Expect(net.PrivateSubnets).To(HaveLen(2))
	for _, s := range append(append([]v1alpha1.SubnetStatus{}, net.PublicSubnets...), net.PrivateSubnets...) {
		Expect(ids).To(HaveKey(s.ID))
	}
	Expect(net.NATGateways).To(HaveLen(1))
	Expect(ids).To(HaveKey(net.NATGateways[0].ID))
	Expect(ids).To(HaveKey(net.NATGateways[0].AllocationID))
	Expect(net.PrivateRouteTables).To(HaveLen(1))
	Expect(ids).To(HaveKey(net.PrivateRouteTables[0].ID))
	Expect(ids).To(HaveKey(fd.Status.Repository.Name))
	Expect(ids).To(HaveKey(fd.Status.Repository.ParameterName))
	svc := fd.Status.Service
	for _, id := range []string{svc.LoadBalancerARN, svc.TargetGroupARN, svc.ListenerARN, svc.LoadBalancerSecurityGroupID, svc.ServiceSecurityGroupID} {
		Expect(ids).To(HaveKey(id))
	}
	Expect(fd.Status.URL).To(Equal("http://" + svc.LoadBalancerDNS))
}

// expectOnlySeed proves the simulator holds one seed deployment and nothing else: the
// owned resources, plus what AWS itself adds (the VPC's main route table and default
// security group; the network interfaces of the NAT gateway, of the load balancer in each
// public subnet and of each task; the two tasks). An untagged duplicate would show here
// even where the owner tag filter cannot see it.
func expectOnlySeed(ns, name string) {
	GinkgoHelper()
	expectExactlyOneSeed(ns, name)
	want := map[string]int{"ec2:security-group": 1, "ec2:network-interface": 1 + 2 + 2, "ecs:task": 2}
	for k, v := range expectedSeed {
		want[k] += v
	}
	want["ec2:route-table"]++
	Expect(countByType(inventory())).To(Equal(want), "inventory: %v", inventory())
}

// trigger is a point in the operator's run, read from the simulator's call counters
// relative to a baseline.
type trigger struct {
	op string // "service:Operation", or "" for all calls together
	n  int
}

func (t trigger) String() string {
	if t.op == "" {
		return fmt.Sprintf("%d AWS calls", t.n)
	}
	return fmt.Sprintf("%d× %s", t.n, t.op)
}

func (t trigger) count(base, now map[string]int) int {
	if t.op != "" {
		return now[t.op] - base[t.op]
	}
	total := 0
	for k, v := range now {
		total += v - base[k]
	}
	return total
}

// killAt kill -9s the manager as soon as the trigger is reached, then starts a new one.
// The simulator adds latency to every call, so the call that reached the trigger is
// usually still in flight when the manager dies: AWS acts on it, the operator never hears
// the answer.
func killAt(base map[string]int, t trigger) {
	GinkgoHelper()
	Eventually(func() int { return t.count(base, calls()) }).
		WithTimeout(eventualLong).WithPolling(pollFast).
		Should(BeNumerically(">=", t.n), "the operator never reached %s", t)
	killManager()
	GinkgoWriter.Printf("killed the manager -9 at %s (%d calls so far)\n", t, trigger{}.count(base, calls()))
	startManager()
}

var _ = Describe("kubectl against the operator and the AWS simulator", func() {
	It("plays the user's flow on the seed sample: handshake, push, live commit, a failing commit, delete to nothing", func() {
		ns := newNamespace("sample")
		Expect(inventory()).To(BeEmpty(), "an earlier spec leaked")

		By("creating the GitHub connection as the user does in the console (it starts PENDING), tagged for the namespace by an administrator")
		conns := codestarconnections.NewFromConfig(testenv.SimConfig(suite.endpoint))
		conn, err := conns.CreateConnection(context.Background(), &codestarconnections.CreateConnectionInput{
			ConnectionName: aws.String("mane-github"), ProviderType: cstypes.ProviderTypeGithub,
			Tags: cloud.ToCodeStar(cloud.ConnectionTags(clusterName, ns))})
		Expect(err).NotTo(HaveOccurred())
		arn := aws.ToString(conn.ConnectionArn)
		manifest, err := os.ReadFile(filepath.Join(suite.root, sample))
		Expect(err).NotTo(HaveOccurred())
		apply(ns, regexp.MustCompile(`connectionARN: \S+`).ReplaceAllString(string(manifest), "connectionARN: "+arn))

		By("the pipeline waits for the handshake, with the console URL; the infrastructure does not")
		kubectlOK("wait", "fd/mane", "-n", ns, `--for=jsonpath={.status.conditions[?(@.type=="SourceConnectionReady")].reason}=PendingHandshake`, "--timeout="+readyTimeout)
		Expect(getFD(ns, "mane").Status.Conditions).To(ContainElement(And(
			HaveField("Type", v1alpha1.ConditionSourceConnectionReady),
			HaveField("Message", ContainSubstring("https://console.aws.amazon.com/codesuite/settings/connections")))))
		kubectlOK("wait", "fd/mane", "-n", ns, "--for=condition=PipelineReady", "--timeout="+readyTimeout)

		By("completing the handshake as the person in the console would")
		post("/_awssim/connections/approve", fmt.Sprintf(`{"arn":%q}`, arn))
		kubectlOK("wait", "fd/mane", "-n", ns, "--for=condition=SourceConnectionReady", "--timeout="+readyTimeout)

		By("a push builds the image and the service runs it; the next push is the live commit")
		first, second, third := strings.Repeat("1", 40), strings.Repeat("2", 40), strings.Repeat("3", 40)
		push := func(commit string, fail bool) {
			post("/_awssim/github/push", fmt.Sprintf(`{"owner":"sachin","repo":"mane","branch":"main","commit":%q,"fail":%v}`, commit, fail))
		}
		push(first, false)
		waitReady(ns, "mane")
		push(second, false)
		Eventually(func() string {
			return must(kubectl("get", "fd", "mane", "-n", ns, "-o", "jsonpath={.status.deployedRevision.commit}"))
		}).WithTimeout(eventualLong).WithPolling(pollKubernetes).Should(Equal(second))
		table := kubectlOK("get", "fd", "-n", ns, "-o", "wide")
		header := strings.Fields(strings.SplitN(table, "\n", 2)[0])
		Expect(header).To(ContainElements("NAME", "READY", "PHASE", "URL", "RUNNING", "DESIRED", "AGE", "MESSAGE", "COMMIT"))
		Expect(table).To(MatchRegexp(`(?m)^mane\s+True\s+Ready\s+https?://\S+\.elb\.amazonaws\.com\S*\s+2\s+2\s.*` + second))
		rev := getFD(ns, "mane").Status.DeployedRevision
		Expect(rev.Image).To(ContainSubstring(":" + second[:7]))
		Expect(rev.TaskDefinitionARN).To(HavePrefix("arn:aws:ecs:"))
		Expect(rev.PipelineExecutionID).NotTo(BeEmpty())

		By("a failing commit is reported while the previous one stays live")
		push(third, true)
		Eventually(func() string {
			return must(kubectl("get", "fd", "mane", "-n", ns, "-o", "jsonpath={.status.pipeline.latestExecution.sourceCommit} {.status.pipeline.latestExecution.status}"))
		}).WithTimeout(eventualLong).WithPolling(pollKubernetes).Should(Equal(third + " Failed"))
		Expect(kubectlOK("get", "events", "-n", ns, "--field-selector", "reason=ExecutionFailed", "-o", "jsonpath={.items[*].message}")).To(ContainSubstring(third[:7]))
		Consistently(func() string {
			return must(kubectl("get", "fd", "mane", "-n", ns, "-o", "jsonpath={.status.deployedRevision.commit}"))
		}).WithTimeout(3 * time.Second).WithPolling(pollKubernetes).Should(Equal(second))

		By("status names the network, repository, service and pipeline")
		fd := getFD(ns, "mane")
		Expect(fd.Status.ObservedGeneration).To(Equal(fd.Generation))
		Expect(fd.Status.Network.VPCID).To(HavePrefix("vpc-"))
		Expect(fd.Status.Repository.URI).To(MatchRegexp(`^\d{12}\.dkr\.ecr\.us-east-1\.amazonaws\.com/.+`))
		Expect(fd.Status.Pipeline.PipelineName).NotTo(BeEmpty())
		Expect(fd.Status.Pipeline.ArtifactBucket).NotTo(BeEmpty())
		for _, cond := range []string{"Ready", "NetworkReady", "RepositoryReady", "ServiceReady", "PipelineReady", "SourceConnectionReady"} {
			Expect(fd.Status.Conditions).To(ContainElement(And(
				HaveField("Type", cond), HaveField("Status", BeEquivalentTo("True")))), cond)
		}
		byType := countByType(owned(ns, "mane"))
		for typ, n := range map[string]int{"ec2:vpc": 1, "ecr:repository": 1, "ecs:service": 1, "elasticloadbalancing:loadbalancer": 1,
			"s3:bucket": 1, "codebuild:project": 1, "codepipeline:pipeline": 1, "iam:role": 3, "logs:log-group": 2} {
			Expect(byType).To(HaveKeyWithValue(typ, n), "owned by %s/mane: %v", ns, byType)
		}

		By("deleting it, then the user's connection, leaves the simulator empty")
		deleteFD(ns, "mane")
		_, err = conns.DeleteConnection(context.Background(), &codestarconnections.DeleteConnectionInput{ConnectionArn: aws.String(arn)})
		Expect(err).NotTo(HaveOccurred())
		Expect(inventory()).To(BeEmpty())
	})

	It("creates exactly one of each resource when the manager is killed -9 during convergence and deletion", func() {
		ns := newNamespace("crash")
		Expect(inventory()).To(BeEmpty(), "an earlier spec leaked")
		// Every call takes 30ms of real time, so that kills land while calls are in flight.
		setFaults(`{"latency":"30ms"}`)

		base := calls()
		apply(ns, fdManifest("shop", ""))
		for _, t := range []trigger{
			{"", 3}, // before anything exists: the first lookups
			{"ec2:CreateVpc", 1},
			{"ec2:CreateSubnet", 2},
			{"ec2:CreateInternetGateway", 1},
			{"ec2:AllocateAddress", 1},
			{"ec2:CreateNatGateway", 1},
			{"ec2:CreateRouteTable", 1},
			{"ecr:CreateRepository", 1},
			{"ssm:PutParameter", 1},
			{"iam:CreateRole", 1},
			{"elasticloadbalancing:CreateLoadBalancer", 1},
			{"ecs:RegisterTaskDefinition", 1},
			{"ecs:CreateService", 1},
		} {
			killAt(base, t)
		}
		waitReady(ns, "shop")
		expectOnlySeed(ns, "shop")
		GinkgoWriter.Printf("calls to Ready: %v\n", trigger{}.count(base, calls()))

		By("killing the manager during deletion")
		base = calls()
		kubectlOK("delete", "fd", "shop", "-n", ns, "--wait=false")
		for _, t := range []trigger{
			{"ecs:DeleteService", 1},
			{"elasticloadbalancing:DeleteLoadBalancer", 1},
			{"ssm:DeleteParameter", 1},
			{"ecr:DeleteRepository", 1},
			{"ec2:DeleteNatGateway", 1},
			{"ec2:DeleteSubnet", 2},
			{"ec2:DeleteVpc", 1},
		} {
			killAt(base, t)
		}
		kubectlOK("wait", "fd/shop", "-n", ns, "--for=delete", "--timeout="+deleteTimeout)
		Expect(inventory()).To(BeEmpty())
	})

	It("creates exactly one of each resource when the manager is killed -9 after every few AWS calls", func() {
		ns := newNamespace("crash-count")
		Expect(inventory()).To(BeEmpty(), "an earlier spec leaked")
		setFaults(`{"latency":"30ms"}`)

		base := calls()
		apply(ns, fdManifest("shop", ""))
		for _, n := range []int{8, 20, 35, 50, 65} {
			killAt(base, trigger{"", n})
		}
		waitReady(ns, "shop")
		expectOnlySeed(ns, "shop")

		By("killing the manager after every few AWS calls of the deletion")
		base = calls()
		kubectlOK("delete", "fd", "shop", "-n", ns, "--wait=false")
		for _, n := range []int{5, 15, 30} {
			killAt(base, trigger{"", n})
		}
		kubectlOK("wait", "fd/shop", "-n", ns, "--for=delete", "--timeout="+deleteTimeout)
		Expect(inventory()).To(BeEmpty())
	})

	It("converges and deletes cleanly while AWS throttles and fails calls", func() {
		ns := newNamespace("faults")
		Expect(inventory()).To(BeEmpty(), "an earlier spec leaked")

		// Sustained random throttling drives the SDK's adaptive retryer to its floor of
		// about one call a second (it cannot tell that the simulator throttles at random
		// rather than by rate), and creates without a ClientToken get a single attempt, so
		// 30% throttling throughout takes minutes. The spec therefore throttles an episode
		// of the run, then keeps failing calls with 5xx, which do not slow the client down.
		By("converging through an episode where 30% of calls are throttled and 5% fail with a 5xx")
		setFaults(`{"throttleRate":0.3,"errorRate":0.05}`)
		base := calls()
		apply(ns, fdManifest("shop", ""))
		Eventually(func() int { return trigger{}.count(base, calls()) }).
			WithTimeout(eventualLong).WithPolling(pollKubernetes).Should(BeNumerically(">=", 30))

		By("converging while 10% of calls fail with a 5xx")
		setFaults(`{"errorRate":0.1}`)
		waitReady(ns, "shop")
		expectOnlySeed(ns, "shop")
		GinkgoWriter.Printf("calls to Ready under faults: %d\n", trigger{}.count(base, calls()))

		By("deleting while 10% of calls fail with a 5xx and every delete is throttled once and failed once")
		deletes := []string{
			"ssm:DeleteParameter", "ecr:DeleteRepository", "ec2:DeleteNatGateway", "ec2:ReleaseAddress",
			"ec2:DetachInternetGateway", "ec2:DeleteInternetGateway", "ec2:DeleteSubnet", "ec2:DeleteRouteTable", "ec2:DeleteVpc",
		}
		var rules []string
		for _, op := range deletes {
			throttle := "RequestLimitExceeded"
			if !strings.HasPrefix(op, "ec2:") {
				throttle = "ThrottlingException"
			}
			rules = append(rules,
				fmt.Sprintf(`{"op":%q,"code":%q,"count":1}`, op, throttle),
				fmt.Sprintf(`{"op":%q,"code":"InternalError","count":1}`, op))
		}
		setFaults(`{"errorRate":0.1,"failNext":[` + strings.Join(rules, ",") + `]}`)
		base = calls()
		deleteFD(ns, "shop")
		Expect(inventory()).To(BeEmpty())
		now := calls()
		for _, op := range deletes {
			Expect(trigger{op, 0}.count(base, now)).To(BeNumerically(">=", 3), "%s was not retried through its injected faults", op)
		}
	})

	It("converges and deletes two FlaskDeployments of the same name in two namespaces independently", func() {
		a, b := newNamespace("team-a"), newNamespace("team-b")
		Expect(inventory()).To(BeEmpty(), "an earlier spec leaked")

		apply(a, fdManifest("shop", ""))
		apply(b, fdManifest("shop", ""))
		waitReady(a, "shop")
		waitReady(b, "shop")
		expectExactlyOneSeed(a, "shop")
		expectExactlyOneSeed(b, "shop")
		fdA, fdB := getFD(a, "shop"), getFD(b, "shop")
		Expect(fdA.Status.Network.VPCID).NotTo(Equal(fdB.Status.Network.VPCID))
		Expect(fdA.Status.Repository.Name).NotTo(Equal(fdB.Status.Repository.Name))
		Expect(fdA.Status.Repository.ParameterName).NotTo(Equal(fdB.Status.Repository.ParameterName))
		ownedB := owned(b, "shop")

		By("deleting the first leaves the second untouched and Ready")
		deleteFD(a, "shop")
		Expect(owned(a, "shop")).To(BeEmpty())
		Expect(owned(b, "shop")).To(ConsistOf(ownedB))
		Expect(getFD(b, "shop").Status.Conditions).To(ContainElement(And(
			HaveField("Type", "Ready"), HaveField("Status", BeEquivalentTo("True")))))
		expectOnlySeed(b, "shop")

		deleteFD(b, "shop")
		Expect(inventory()).To(BeEmpty())
	})

	DescribeTable("refuses an invalid spec at admission, naming the field",
		func(specLines, field, message string) {
			ns := newNamespace("invalid-" + strings.ToLower(strings.ReplaceAll(field, ".", "-")))
			_, err := kubectlIn(fdManifest("bad", specLines), "apply", "-n", ns, "-f", "-")
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(field))
			Expect(err.Error()).To(ContainSubstring(message))
			_, err = kubectl("get", "fd", "bad", "-n", ns)
			Expect(err).To(MatchError(ContainSubstring("NotFound")))
		},
		Entry("a subnet outside the VPC", `  network:
    vpcCIDR: 10.0.0.0/16
    publicSubnetCIDRs: [10.1.1.0/24, 10.0.2.0/24]
`, "spec.network.publicSubnetCIDRs", "inside the VPC CIDR"),
		Entry("overlapping subnets", `  network:
    publicSubnetCIDRs: [10.0.1.0/24, 10.0.2.0/24]
    privateSubnetCIDRs: [10.0.1.0/25, 10.0.4.0/24]
`, "spec.network.privateSubnetCIDRs", "must not overlap"),
		Entry("a single availability zone", `  network:
    availabilityZones: [us-east-1a]
    publicSubnetCIDRs: [10.0.1.0/24]
    privateSubnetCIDRs: [10.0.3.0/24]
`, "spec.network.availabilityZones", "at least two availability zones"),
	)
})
