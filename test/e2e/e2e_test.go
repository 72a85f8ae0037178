//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

const sample = "config/samples/deploy_v1alpha1_flaskdeployment.yaml"

// Generous for a fast simulator clock (a NAT gateway takes about a second), so that a
// loaded CI machine does not flake; a healthy run takes a few seconds.
const (
	readyTimeout   = "90s"
	deleteTimeout  = "90s"
	eventualLong   = 90 * time.Second
	pollFast       = 5 * time.Millisecond
	pollKubernetes = 250 * time.Millisecond
)

// fdManifest is a FlaskDeployment with the defaults but for a name and some spec lines.
func fdManifest(name, specLines string) string {
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

// expectedSeed is what the seed's network (two zones, one NAT gateway) and repository are
// in AWS, for one FlaskDeployment: the public route table and one private route table per
// NAT gateway are the operator's; the VPC's main route table comes with the VPC.
var expectedSeed = map[string]int{
	"ec2:vpc":              1,
	"ec2:subnet":           4,
	"ec2:internet-gateway": 1,
	"ec2:elastic-ip":       1,
	"ec2:natgateway":       1,
	"ec2:route-table":      2,
	"ecr:repository":       1,
	"ssm:parameter":        1,
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
}

var _ = Describe("kubectl against the operator and the AWS simulator", func() {
	It("brings the sample to Ready with every ID in status, and deletes it leaving nothing", func() {
		ns := newNamespace("sample")
		Expect(inventory()).To(BeEmpty(), "an earlier spec leaked")

		kubectlOK("apply", "-n", ns, "-f", filepath.Join(suite.root, sample))
		waitReady(ns, "mane")

		By("kubectl get fd shows the printer columns")
		table := kubectlOK("get", "fd", "-n", ns)
		header := strings.Fields(strings.SplitN(table, "\n", 2)[0])
		Expect(header).To(Equal([]string{"NAME", "READY", "URL", "AGE", "MESSAGE"}))
		Expect(table).To(MatchRegexp(`(?m)^mane\s+True\s`))

		By("status holds the VPC, subnet, NAT gateway and route table IDs and the repository URI")
		fd := getFD(ns, "mane")
		Expect(fd.Status.ObservedGeneration).To(Equal(fd.Generation))
		Expect(fd.Status.Region).To(Equal("us-east-1"))
		net := fd.Status.Network
		Expect(net.VPCID).To(HavePrefix("vpc-"))
		Expect(net.InternetGatewayID).To(HavePrefix("igw-"))
		for _, s := range append(append([]v1alpha1.SubnetStatus{}, net.PublicSubnets...), net.PrivateSubnets...) {
			Expect(s.ID).To(HavePrefix("subnet-"))
		}
		Expect(net.NATGateways).NotTo(BeEmpty())
		Expect(net.NATGateways[0].ID).To(HavePrefix("nat-"))
		Expect(net.PublicRouteTableID).To(HavePrefix("rtb-"))
		Expect(net.PrivateRouteTables).NotTo(BeEmpty())
		Expect(net.PrivateRouteTables[0].ID).To(HavePrefix("rtb-"))
		Expect(fd.Status.Repository.URI).To(MatchRegexp(`^\d{12}\.dkr\.ecr\.us-east-1\.amazonaws\.com/.+`))
		for _, cond := range []string{"Ready", "NetworkReady", "RepositoryReady"} {
			Expect(fd.Status.Conditions).To(ContainElement(And(
				HaveField("Type", cond), HaveField("Status", BeEquivalentTo("True")))), cond)
		}
		expectExactlyOneSeed(ns, "mane")
		GinkgoWriter.Printf("inventory when Ready: %v\n", inventory())

		By("deleting it leaves the simulator empty")
		deleteFD(ns, "mane")
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
