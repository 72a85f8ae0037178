package integration_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// approvedConnection is a GitHub connection for namespace whose handshake is done, by ARN.
func approvedConnection(env *testenv.Env, namespace string) string {
	GinkgoHelper()
	conn, err := env.Connection(ctx, "github", namespace)
	Expect(err).NotTo(HaveOccurred())
	Expect(env.Sim.ApproveConnection(conn)).To(Succeed())
	return conn
}

// pipelineFrom is a pipeline building flaskops/app through connection.
func pipelineFrom(connection string) *v1alpha1.PipelineSpec {
	return &v1alpha1.PipelineSpec{Source: v1alpha1.GitHubSource{Owner: "flaskops", Repo: "app", ConnectionARN: connection}}
}

// hibernated are the types of resource a suspended object deletes: they are billed by the
// hour.
var hibernated = map[string]bool{
	"ec2/natgateway": true, "ec2/elastic-ip": true,
	"elasticloadbalancing/loadbalancer": true, "elasticloadbalancing/listener": true,
}

// ownedBy lists the live resources the object's tags prove its own, by ID.
func ownedBy(env *testenv.Env, o *testenv.Object) map[string]awssim.Resource {
	owner := cloud.NewOwner(testenv.ClusterName, o.Get())
	out := map[string]awssim.Resource{}
	for _, r := range env.Sim.ListLive() {
		if owner.Owns(r.Tags) {
			out[r.ID] = r
		}
	}
	return out
}

// identity is what a resource is called, not its ID: the type, its flaskops.io/resource
// tag and its name (the Name tag of EC2 resources, the name in a load balancer's ARN, the
// ID where the ID is the name).
func identity(r awssim.Resource) string {
	name := r.Tags["Name"]
	switch {
	case name != "":
	case r.Service == "elasticloadbalancing":
		// arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>, and
		// listener/app/<load balancer name>/<id>/<id>.
		_, path, _ := strings.Cut(r.ID, ":"+r.Type+"/")
		name = strings.Split(path, "/")[1]
	default:
		name = r.ID
	}
	return fmt.Sprintf("%s/%s %s %s", r.Service, r.Type, r.Tags[cloud.TagResource], name)
}

func identities(rs map[string]awssim.Resource) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, identity(r))
	}
	return out
}

// printed is what `kubectl get` shows for the object: the API server's table of it, whose
// cells it computes from the CRD's printer columns, by column name.
func printed(env *testenv.Env, o *testenv.Object) map[string]string {
	GinkgoHelper()
	cfg := rest.CopyConfig(env.Config)
	cfg.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	rc, err := rest.UnversionedRESTClientFor(cfg)
	Expect(err).NotTo(HaveOccurred())
	raw, err := rc.Get().AbsPath("/apis", v1alpha1.GroupVersion.Group, v1alpha1.GroupVersion.Version,
		"namespaces", o.FD.Namespace, "flaskdeployments", o.FD.Name).
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").DoRaw(ctx)
	Expect(err).NotTo(HaveOccurred())
	var table metav1.Table
	Expect(json.Unmarshal(raw, &table)).To(Succeed())
	Expect(table.Rows).To(HaveLen(1))
	out := map[string]string{}
	for i, c := range table.ColumnDefinitions {
		if v := table.Rows[0].Cells[i]; v != nil {
			out[c.Name] = fmt.Sprint(v)
		}
	}
	return out
}

// privateDefaultRoutes lists, per private route table of the object, the target of its
// 0.0.0.0/0 route ("" for none).
func privateDefaultRoutes(env *testenv.Env, fd *v1alpha1.FlaskDeployment) []string {
	GinkgoHelper()
	var ids []string
	for _, t := range fd.Status.Network.PrivateRouteTables {
		ids = append(ids, t.ID)
	}
	Expect(ids).NotTo(BeEmpty())
	out, err := env.Clients.EC2(testenv.Region).DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: ids})
	Expect(err).NotTo(HaveOccurred())
	Expect(out.RouteTables).To(HaveLen(len(ids)))
	var targets []string
	for _, t := range out.RouteTables {
		target := ""
		for _, r := range t.Routes {
			if aws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" {
				target = aws.ToString(r.NatGatewayId) + aws.ToString(r.GatewayId)
			}
		}
		targets = append(targets, target)
	}
	return targets
}

// loadBalancerDNS is the DNS name AWS gives the object's load balancer now.
func loadBalancerDNS(env *testenv.Env, arn string) string {
	GinkgoHelper()
	out, err := env.Clients.ELBv2(testenv.Region).DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	Expect(err).NotTo(HaveOccurred())
	Expect(out.LoadBalancers).To(HaveLen(1))
	return aws.ToString(out.LoadBalancers[0].DNSName)
}

var _ = Describe("Suspend", func() {
	It("deletes what is billed by the hour and keeps the rest; resumed, brings it back under the same names with a new URL", func() {
		env := startEnv(testenv.Options{Stages: controllers.Stages, SimOptions: []awssim.Option{awssim.WithTimeScale(0)}})
		app := newApp(env, namespace(env), "app")
		app.FD.Spec.Pipeline = pipelineFrom(approvedConnection(env, app.FD.Namespace))
		app.Create()
		expectReadyAtGeneration(app)

		running := app.Get()
		oldURL, oldDNS := running.Status.URL, running.Status.Service.LoadBalancerDNS
		Expect(oldURL).To(Equal("http://" + oldDNS))
		Expect(running.Status.Phase).To(Equal(controllers.PhaseReady))
		Expect(desiredCount(env, app)).To(Equal(int32(2)))
		Expect(privateDefaultRoutes(env, running)).To(HaveEach(HavePrefix("nat-")))
		before := ownedBy(env, app)
		kept := map[string]awssim.Resource{}
		for id, r := range before {
			if !hibernated[r.Service+"/"+r.Type] {
				kept[id] = r
			}
		}
		keptKinds := map[string]bool{}
		for _, r := range kept {
			keptKinds[r.Service+"/"+r.Type] = true
		}
		for _, kind := range []string{"ec2/vpc", "ec2/subnet", "ecr/repository", "s3/bucket", "codepipeline/pipeline", "logs/log-group", "ecs/service"} {
			Expect(keptKinds).To(HaveKey(kind), "the object owns a %s, kept while suspended", kind)
		}

		By("suspending")
		app.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Suspend = true })
		expectReadyAtGeneration(app)
		sleeping := app.Get()
		Expect(desiredCount(env, app)).To(BeZero())
		now := ownedBy(env, app)
		for _, r := range now {
			Expect(hibernated).NotTo(HaveKey(r.Service+"/"+r.Type), "%s %s is billed by the hour and still there", r.Type, r.ID)
		}
		for id, r := range kept {
			Expect(now).To(HaveKey(id), "%s %s is kept", r.Type, r.ID)
		}
		Expect(privateDefaultRoutes(env, sleeping)).To(HaveEach(BeEmpty()), "private subnets have no default route while their NAT gateway is gone")

		Expect(sleeping.Status.URL).To(BeEmpty())
		Expect(sleeping.Status.Service.LoadBalancerARN).To(BeEmpty())
		Expect(sleeping.Status.Network.NATGateways).To(BeEmpty())
		for cond, says := range map[string]string{
			v1alpha1.ConditionNetworkReady: "NAT gateways and Elastic IPs deleted",
			v1alpha1.ConditionServiceReady: "service scaled to zero, load balancer deleted",
			v1alpha1.ConditionReady:        "suspended by spec.suspend",
		} {
			c := app.Condition(cond)
			Expect(c.Status).To(Equal(metav1.ConditionTrue), cond)
			Expect(c.Reason).To(Equal(v1alpha1.ReasonSuspended), cond)
			Expect(c.Message).To(ContainSubstring(says), cond)
		}
		Expect(sleeping.Status.Message).To(And(ContainSubstring("NAT gateways and Elastic IPs deleted"), ContainSubstring("load balancer deleted")))
		Expect(sleeping.Status.Phase).To(Equal(controllers.PhaseSuspended))
		Expect(controllers.Phase(sleeping)).To(Equal(controllers.PhaseSuspended))
		cols := printed(env, app)
		Expect(cols).To(HaveKeyWithValue("Phase", "Suspended"))
		Expect(cols).To(HaveKeyWithValue("Ready", "True"))
		Expect(cols).To(HaveKeyWithValue("Message", ContainSubstring("NAT gateways")))
		Expect(cols["URL"]).To(BeEmpty())
		Expect(cols).To(And(HaveKeyWithValue("Running", "0"), HaveKeyWithValue("Desired", "0")), "a suspended service shows 0 tasks, not blanks")
		Eventually(func(g Gomega) {
			ks, argo, _ := health(g, app)
			g.Expect(ks).To(Equal(status.CurrentStatus), "a suspended object is what its spec asks for")
			g.Expect(argo).To(Equal("Suspended"))
		}).Should(Succeed())

		By("resuming")
		app.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Suspend = false })
		expectReadyAtGeneration(app)
		awake := app.Get()
		Expect(awake.Status.Phase).To(Equal(controllers.PhaseReady))
		Expect(printed(env, app)).To(HaveKeyWithValue("Phase", "Ready"))
		Expect(desiredCount(env, app)).To(Equal(int32(2)))
		newDNS := loadBalancerDNS(env, awake.Status.Service.LoadBalancerARN)
		Expect(newDNS).NotTo(Equal(oldDNS), "a new load balancer has a new DNS name")
		Expect(awake.Status.URL).To(Equal("http://" + newDNS))
		var nats []string
		for _, n := range awake.Status.Network.NATGateways {
			nats = append(nats, n.ID)
		}
		Expect(privateDefaultRoutes(env, awake)).To(HaveEach(BeElementOf(nats)))
		after := ownedBy(env, app)
		for id, r := range kept {
			Expect(after).To(HaveKey(id), "%s %s is the one from before the suspend", r.Type, r.ID)
		}
		Expect(identities(after)).To(ConsistOf(identities(before)), "the same resources under the same names")
	})
})
