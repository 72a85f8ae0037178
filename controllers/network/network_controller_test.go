package network_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/stagetest"
	"github.com/flaskops/flask-operator/internal/testenv"
)

const (
	timeout = 60 * time.Second
	poll    = 50 * time.Millisecond
)

var seedCounts = map[string]int{"vpc": 1, "subnet": 4, "internet-gateway": 1, "elastic-ip": 1, "natgateway": 1, "route-table": 2}

// app is one FlaskDeployment of a spec, in a namespace of its own.
type app struct{ *testenv.Object }

func newApp(ns string, mutate func(*v1alpha1.FlaskDeployment)) *app {
	if ns == "" {
		var err error
		ns, err = env.Namespace(suiteCtx)
		Expect(err).NotTo(HaveOccurred())
	}
	fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns}}
	fd.Spec.Tags = map[string]string{"project": "mane", "environment": "dev", "owner": "sachin"}
	if mutate != nil {
		mutate(fd)
	}
	return &app{env.Object(suiteCtx, fd)}
}

func (a *app) create() *app {
	a.Create()
	return a
}

func (a *app) ec2() *ec2.Client { return env.Clients.EC2(testenv.Region) }

// waitNetwork waits for NetworkReady True with reason, then for the simulator to hold
// exactly the topology the spec asks for.
func (a *app) waitNetwork(reason string) *v1alpha1.FlaskDeployment {
	Eventually(func(g Gomega) {
		c := a.Condition(v1alpha1.ConditionNetworkReady)
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s: %s", c.Reason, c.Message)
		g.Expect(c.Reason).To(Equal(reason))
		g.Expect(c.ObservedGeneration).To(Equal(a.Get().Generation))
	}, timeout, poll).Should(Succeed())
	fd := a.Get()
	Eventually(func() error { fd = a.Get(); return checkTopology(suiteCtx, a.ec2(), testenv.ClusterName, fd) }, timeout, poll).Should(Succeed())
	return fd
}

func (a *app) counts() map[string]int { return counts(env.Sim, testenv.ClusterName, a.FD) }

var _ = Describe("Network stage", func() {
	It("converges the seed's network, reports every ID, and deletes to an empty inventory", func() {
		a := newApp("", nil).create()
		fd := a.waitNetwork(v1alpha1.ReasonReady)
		Expect(a.counts()).To(Equal(seedCounts))

		st := fd.Status.Network
		Expect(st.AvailabilityZones).To(Equal([]string{"us-east-1a", "us-east-1b"}))
		Expect(st.VPCID).To(HavePrefix("vpc-"))
		Expect(st.InternetGatewayID).To(HavePrefix("igw-"))
		Expect(st.PublicSubnets).To(HaveLen(2))
		Expect(st.PrivateSubnets).To(HaveLen(2))
		Expect(st.PublicSubnets[0].CIDR).To(Equal("10.0.1.0/24"))
		Expect(st.PrivateSubnets[1].CIDR).To(Equal("10.0.4.0/24"))
		Expect(st.NATGateways).To(HaveLen(1))
		Expect(st.NATGateways[0].AvailabilityZone).To(Equal("us-east-1a"))
		Expect(st.NATGateways[0].AllocationID).To(HavePrefix("eipalloc-"))
		Expect(st.NATGateways[0].State).To(Equal("available"))
		Expect(st.PublicRouteTableID).To(HavePrefix("rtb-"))
		Expect(st.PrivateRouteTables).To(HaveLen(1))
		Expect(a.Condition(v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))

		Eventually(func() string { return strings.Join(a.EventNotes(), "\n") }, timeout, poll).Should(And(
			ContainSubstring("CreatedVPC: Created VPC "+st.VPCID),
			ContainSubstring("CreatedSubnet"), ContainSubstring("CreatedInternetGateway"),
			ContainSubstring("CreatedElasticIP"), ContainSubstring("CreatedNATGateway: Created NAT gateway "+st.NATGateways[0].ID),
			ContainSubstring("CreatedRouteTable")))

		a.DeleteAndWait()
		Expect(a.counts()).To(BeEmpty())
		Expect(strings.Join(a.EventNotes(), "\n")).To(And(ContainSubstring("DeletedNATGateway"), ContainSubstring("DeletedVPC")))
	})

	It("says what it waits for while the NAT gateway is pending", func() {
		a := newApp("", nil).create()
		Eventually(func(g Gomega) {
			c := a.Condition(v1alpha1.ConditionNetworkReady)
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonWaitingForNATGateway))
			g.Expect(c.Message).To(MatchRegexp(`NAT gateway nat-[0-9a-f]+ pending`))
		}, timeout, 5*time.Millisecond).Should(Succeed())
		a.waitNetwork(v1alpha1.ReasonReady)
		a.DeleteAndWait()
		Expect(a.counts()).To(BeEmpty())
	})

	It("builds one NAT gateway and private route table per zone with PerAZ, and none with None", func() {
		perAZ := newApp("", func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Network.NATGateways = v1alpha1.NATGatewayPerAZ }).create()
		none := newApp("", func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Network.NATGateways = v1alpha1.NATGatewayNone }).create()
		perAZ.waitNetwork(v1alpha1.ReasonReady)
		none.waitNetwork(v1alpha1.ReasonReady)
		Expect(perAZ.counts()).To(Equal(map[string]int{"vpc": 1, "subnet": 4, "internet-gateway": 1, "elastic-ip": 2, "natgateway": 2, "route-table": 3}))
		Expect(none.counts()).To(Equal(map[string]int{"vpc": 1, "subnet": 4, "internet-gateway": 1, "route-table": 2}))
		perAZ.DeleteAndWait()
		none.DeleteAndWait()
		Expect(perAZ.counts()).To(BeEmpty())
		Expect(none.counts()).To(BeEmpty())
	})

	It("uses an existing network as is, and refuses one whose private subnets cannot reach the internet", func() {
		// The BYO network is built with plain SDK calls, outside the operator.
		c := env.Clients.EC2(testenv.Region)
		n := buildBYO(GinkgoT(), c, false)
		before := len(env.Sim.ListLive())
		a := newApp("", func(fd *v1alpha1.FlaskDeployment) {
			fd.Spec.Network.Existing = &v1alpha1.ExistingNetwork{VPCID: n.vpc, PublicSubnetIDs: n.public, PrivateSubnetIDs: n.private}
		}).create()
		Eventually(func(g Gomega) {
			c := a.Condition(v1alpha1.ConditionNetworkReady)
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonExistingNetworkInvalid))
			g.Expect(c.Message).To(ContainSubstring("private subnets need a route to the internet"))
			g.Expect(a.Condition(v1alpha1.ConditionStalled).Status).To(Equal(metav1.ConditionTrue))
		}, timeout, poll).Should(Succeed())

		_, err := c.CreateRoute(suiteCtx, &ec2.CreateRouteInput{RouteTableId: aws.String(n.privateRTB),
			DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(n.igw)})
		Expect(err).NotTo(HaveOccurred())
		a.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Annotations = map[string]string{"test/nudge": "1"} })
		Eventually(func(g Gomega) {
			c := a.Condition(v1alpha1.ConditionNetworkReady)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue), c.Message)
		}, timeout, poll).Should(Succeed())
		st := a.Get().Status.Network
		Expect(st.VPCID).To(Equal(n.vpc))
		Expect([]string{st.PrivateSubnets[0].ID, st.PrivateSubnets[1].ID}).To(Equal(n.private))

		a.DeleteAndWait()
		Expect(env.Sim.ListLive()).To(HaveLen(before), "the existing network must be left as it was")
		Expect(a.counts()).To(BeEmpty())
	})

	It("adopts its resources by tag when the status is lost, creating nothing twice", func() {
		a := newApp("", nil).create()
		a.waitNetwork(v1alpha1.ReasonReady)
		cur := a.Get()
		vpc := cur.Status.Network.VPCID
		patch := client.MergeFrom(cur.DeepCopy())
		cur.Status.Network = v1alpha1.NetworkStatus{}
		Expect(env.Client.Status().Patch(suiteCtx, cur, patch)).To(Succeed())
		Eventually(func() string { return a.Get().Status.Network.VPCID }, timeout, poll).Should(Equal(vpc))
		a.waitNetwork(v1alpha1.ReasonReady)
		Expect(a.counts()).To(Equal(seedCounts))
		a.DeleteAndWait()
		Expect(a.counts()).To(BeEmpty())
	})

	It("after losing the answer to each AWS call in turn, still holds exactly one of everything", func() {
		// k runs over every call a run makes up to NetworkReady: the last k is the first
		// whose run reaches Ready before making k calls.
		k := 1
		for ; ; k++ {
			cut.Arm(k, stagetest.LoseAnswer, nil)
			a := newApp("", nil).create()
			a.waitNetwork(v1alpha1.ReasonReady)
			happened := cut.Count() >= k
			Expect(a.counts()).To(Equal(seedCounts), "k=%d", k)
			a.DeleteAndWait()
			Expect(a.counts()).To(BeEmpty(), "k=%d", k)
			if !happened {
				break
			}
		}
		cut.Arm(0, stagetest.LoseAnswer, nil)
		Expect(k).To(BeNumerically(">", 20))
		GinkgoWriter.Printf("lost the answer to each of the first %d AWS calls in turn\n", k-1)
	})

	It("converges without duplicates through throttling and 5xx on a third of the EC2 calls", func() {
		env.Sim.SetFaults(awssim.Faults{ThrottleRate: 0.15, ErrorRate: 0.15, Only: []string{"ec2"}})
		DeferCleanup(func() { env.Sim.SetFaults(awssim.Faults{}) })
		a := newApp("", nil).create()
		a.waitNetwork(v1alpha1.ReasonReady)
		Expect(a.counts()).To(Equal(seedCounts))
		a.DeleteAndWait()
		Expect(a.counts()).To(BeEmpty())
	})

	It("suspends: NAT gateway and Elastic IP deleted, NetworkReady True with reason Suspended; resumes", func() {
		a := newApp("", nil).create()
		a.waitNetwork(v1alpha1.ReasonReady)
		a.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Suspend = true })
		a.waitNetwork(v1alpha1.ReasonSuspended)
		Expect(a.counts()).To(Equal(map[string]int{"vpc": 1, "subnet": 4, "internet-gateway": 1, "route-table": 2}))
		a.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Suspend = false })
		a.waitNetwork(v1alpha1.ReasonReady)
		Expect(a.counts()).To(Equal(seedCounts))
		a.DeleteAndWait()
		Expect(a.counts()).To(BeEmpty())
	})

	It("takes a key removed from spec.tags off every resource, and forgets it in status", func() {
		a := newApp("", nil).create()
		a.waitNetwork(v1alpha1.ReasonReady)
		Eventually(func() []string { return a.Get().Status.TagKeys }).Should(Equal([]string{"environment", "owner", "project"}))

		a.Update(func(fd *v1alpha1.FlaskDeployment) { delete(fd.Spec.Tags, "owner") })
		Eventually(func(g Gomega) {
			for _, res := range env.Sim.ListLive() {
				if cloud.NewOwner(testenv.ClusterName, a.FD).Owns(res.Tags) {
					g.Expect(res.Tags).NotTo(HaveKey("owner"), "%s %s", res.Type, res.ID)
					g.Expect(res.Tags).To(HaveKeyWithValue("project", "mane"), "%s %s", res.Type, res.ID)
				}
			}
			g.Expect(a.Get().Status.TagKeys).To(Equal([]string{"environment", "project"}))
		}).Should(Succeed())
		a.DeleteAndWait()
	})

	It("with managementPolicy Observe reads and reports, and never writes", func() {
		before := env.Sim.Calls()
		a := newApp("", func(fd *v1alpha1.FlaskDeployment) { fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve }).create()
		Eventually(func(g Gomega) {
			c := a.Condition(v1alpha1.ConditionNetworkReady)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonObserved))
			g.Expect(c.Message).To(ContainSubstring("missing VPC"))
		}, timeout, poll).Should(Succeed())
		Expect(a.counts()).To(BeEmpty())
		for op, n := range env.Sim.Calls() {
			if n > before[op] && strings.HasPrefix(op, "ec2:") {
				Expect(op).To(ContainSubstring(":Describe"), "Observe called %s", op)
			}
		}
		a.DeleteAndWait()
	})

	It("has the API refuse changes AWS cannot apply in place (VPC CIDR, zones)", func() {
		a := newApp("", func(fd *v1alpha1.FlaskDeployment) {
			fd.Spec.Network.AvailabilityZones = []string{"us-east-1a", "us-east-1b"}
		}).create()
		a.waitNetwork(v1alpha1.ReasonReady)
		for name, mutate := range map[string]func(*v1alpha1.FlaskDeployment){
			"vpcCIDR": func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Network.VPCCIDR = "10.1.0.0/16" },
			"availabilityZones": func(fd *v1alpha1.FlaskDeployment) {
				fd.Spec.Network.AvailabilityZones = []string{"us-east-1b", "us-east-1c"}
			},
		} {
			cur := a.Get()
			mutate(cur)
			err := env.Client.Update(suiteCtx, cur)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%s: %v", name, err)
			Expect(err.Error()).To(ContainSubstring("immutable"), name)
		}
		Expect(a.Condition(v1alpha1.ConditionNetworkReady).Status).To(Equal(metav1.ConditionTrue))
		a.DeleteAndWait()
		Expect(a.counts()).To(BeEmpty())
	})

	It("keeps two objects with the same name in different namespaces apart", func() {
		a := newApp("", nil).create()
		b := newApp("", nil).create()
		fa, fb := a.waitNetwork(v1alpha1.ReasonReady), b.waitNetwork(v1alpha1.ReasonReady)
		Expect(fa.Name).To(Equal(fb.Name))
		Expect(fa.Status.Network.VPCID).NotTo(Equal(fb.Status.Network.VPCID))
		Expect(a.counts()).To(Equal(seedCounts))
		Expect(b.counts()).To(Equal(seedCounts))
		a.DeleteAndWait()
		Expect(a.counts()).To(BeEmpty())
		Expect(b.counts()).To(Equal(seedCounts))
		Expect(checkTopology(suiteCtx, b.ec2(), testenv.ClusterName, b.Get())).To(Succeed())
		b.DeleteAndWait()
		Expect(b.counts()).To(BeEmpty())
	})

	Context("drift, repaired on resync", func() {
		for _, tc := range driftCases {
			It(tc.name, func() {
				a := newApp("", func(fd *v1alpha1.FlaskDeployment) {
					if tc.mode != "" {
						fd.Spec.Network.NATGateways = tc.mode
					}
				}).create()
				fd := a.waitNetwork(v1alpha1.ReasonReady)
				want := a.counts()
				Expect(tc.breakIt(suiteCtx, a.ec2(), fd.Status.Network)).To(Succeed())
				Eventually(func() string { return strings.Join(a.EventNotes(), "\n") }, timeout, poll).
					Should(MatchRegexp("RepairedDrift: Repaired drift: .*" + regexpQuote(tc.wantDrift)))
				Eventually(func() error {
					if err := checkTopology(suiteCtx, a.ec2(), testenv.ClusterName, a.Get()); err != nil {
						return err
					}
					if got := a.counts(); fmt.Sprint(got) != fmt.Sprint(want) {
						return fmt.Errorf("owned %v, want %v", got, want)
					}
					return nil
				}, timeout, poll).Should(Succeed())
				a.DeleteAndWait()
				Expect(a.counts()).To(BeEmpty())
			})
		}
	})
})

func regexpQuote(s string) string {
	r := strings.NewReplacer(".", `\.`, "(", `\(`, ")", `\)`, "/", `\/`, "-", `\-`)
	return r.Replace(s)
}
