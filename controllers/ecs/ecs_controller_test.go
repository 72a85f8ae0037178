package ecs_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/ecs"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// newObject is a FlaskDeployment with the API's defaults and mutate applied, in a
// namespace of its own.
func newObject(mutate func(*v1alpha1.FlaskDeployment)) *testenv.Object {
	ns, err := env.Namespace(ctx)
	Expect(err).NotTo(HaveOccurred())
	fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns}}
	fd.Spec.Tags = map[string]string{"project": "mane"}
	if mutate != nil {
		mutate(fd)
	}
	return env.Object(ctx, fd)
}

// ownedLive counts the simulator's live resources whose tags prove them the object's, by
// service and type.
func ownedLive(fd *v1alpha1.FlaskDeployment) map[string]int {
	out := map[string]int{}
	for _, r := range env.Sim.ListLive() {
		if cloud.NewOwner(testenv.ClusterName, fd).Owns(r.Tags) {
			out[r.Service+"/"+r.Type]++
		}
	}
	return out
}

func expectReadyWithURL(o *testenv.Object) *v1alpha1.FlaskDeployment {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		c := o.Condition(v1alpha1.ConditionReady)
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s: %s", c.Reason, c.Message)
	}).Should(Succeed())
	fd := o.Get()
	Expect(fd.Status.Service.LoadBalancerDNS).NotTo(BeEmpty())
	Expect(fd.Status.URL).To(Equal(ecs.URL(fd)))
	Expect(fd.Status.URL).To(HavePrefix("http"))
	st := fd.Status.Service
	Expect([]int32{st.RunningCount, st.DesiredCount, st.PendingCount}).To(Equal([]int32{2, 2, 0}), "running, desired, pending")
	Expect(st.RolloutState).To(Equal("COMPLETED"))
	Expect(st.Image).To(Equal(fd.Status.DeployedRevision.Image))
	return fd
}

// printed is what kubectl get shows of the object: its printer columns by name.
func printed(o *testenv.Object) map[string]any {
	GinkgoHelper()
	cs, err := kubernetes.NewForConfig(env.Config)
	Expect(err).NotTo(HaveOccurred())
	body, err := cs.CoreV1().RESTClient().Get().
		AbsPath("apis", v1alpha1.GroupVersion.Group, v1alpha1.GroupVersion.Version, "namespaces", o.FD.Namespace, "flaskdeployments", o.FD.Name).
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").DoRaw(ctx)
	Expect(err).NotTo(HaveOccurred(), string(body))
	var table metav1.Table
	Expect(json.Unmarshal(body, &table)).To(Succeed(), string(body))
	Expect(table.Rows).To(HaveLen(1))
	out := map[string]any{}
	for i, c := range table.ColumnDefinitions {
		out[c.Name] = table.Rows[0].Cells[i]
	}
	return out
}

var _ = Describe("ECS stage through the reconciler", func() {
	It("runs a fixed image behind the load balancer: Ready with a URL; deleted to nothing", func() {
		o := newObject(func(fd *v1alpha1.FlaskDeployment) {
			fd.Spec.Service.Image = "public.ecr.aws/docker/library/python:3.12-slim"
		})
		o.Create()
		fd := expectReadyWithURL(o)
		Expect(fd.Status.DeployedRevision).NotTo(BeNil())
		Expect(fd.Status.DeployedRevision.Image).To(Equal("public.ecr.aws/docker/library/python:3.12-slim"))
		Expect(printed(o)).To(And(HaveKeyWithValue("Running", BeNumerically("==", 2)), HaveKeyWithValue("Desired", BeNumerically("==", 2))))
		Expect(ownedLive(fd)).To(Equal(map[string]int{
			"ec2/vpc": 1, "ec2/subnet": 4, "ec2/internet-gateway": 1, "ec2/elastic-ip": 1, "ec2/natgateway": 1, "ec2/route-table": 2,
			"ecr/repository": 1, "ssm/parameter": 1,
			"iam/role": 1, "logs/log-group": 1, "ec2/security-group": 2, "elasticloadbalancing/loadbalancer": 1,
			"elasticloadbalancing/targetgroup": 1, "elasticloadbalancing/listener": 1,
			"ecs/cluster": 1, "ecs/task-definition": 1, "ecs/service": 1,
		}), "exactly one of each resource, all tagged as this object's")

		o.DeleteAndWait()
		Eventually(env.Sim.ListLive).Should(BeEmpty())
	})

	It("with the pipeline owning the image, waits for one and then runs what was pushed", func() {
		o := newObject(nil)
		o.Create()
		Eventually(func(g Gomega) {
			c := o.Condition(v1alpha1.ConditionServiceReady)
			g.Expect(c.Reason).To(Equal("WaitingForImage"), c.Message)
		}).Should(Succeed())
		Expect(o.Condition(v1alpha1.ConditionReady).Status).NotTo(Equal(metav1.ConditionTrue))

		By("pushing an image as the pipeline would")
		repo := o.Get().Status.Repository
		_, err := env.Clients.ECR(testenv.Region).PutImage(ctx, &awsecr.PutImageInput{
			RepositoryName: aws.String(repo.Name), ImageTag: aws.String("latest"),
			ImageManifest: aws.String(fmt.Sprintf(`{"schemaVersion":2,"app":%q}`, repo.Name)),
		})
		Expect(err).NotTo(HaveOccurred())
		fd := expectReadyWithURL(o)
		Expect(fd.Status.DeployedRevision.Image).To(HavePrefix(repo.URI))

		o.DeleteAndWait()
		Eventually(env.Sim.ListLive).Should(BeEmpty())
	})

	It("reports a rolled-back deployment once and never deploys it again for the same spec; a fixed image rolls forward", func() {
		good := "public.ecr.aws/docker/library/python:3.12-slim"
		o := newObject(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Service.Image = good })
		o.Create()
		fd := expectReadyWithURL(o)
		goodTD := fd.Status.Service.TaskDefinitionARN

		bad := "public.ecr.aws/docker/library/python:3.13-broken"
		env.Sim.SetImageHealth(bad, false)
		updates := env.Sim.CallCount("ecs", "UpdateService")
		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Service.Image = bad })
		Eventually(func(g Gomega) {
			c := o.Condition(v1alpha1.ConditionServiceReady)
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonDeploymentFailed), c.Message)
		}).Should(Succeed())
		fd = o.Get()
		badTD := fd.Status.Service.TaskDefinitionARN
		Expect(badTD).NotTo(Equal(goodTD))
		c := o.Condition(v1alpha1.ConditionServiceReady)
		Expect(c.Status).To(Equal(metav1.ConditionFalse))
		for _, want := range []string{revisionOf(badTD), "image " + bad, "Task failed ELB health checks", "rolled the service back to " + revisionOf(goodTD)} {
			Expect(c.Message).To(ContainSubstring(want))
		}
		stalled := o.Condition(v1alpha1.ConditionStalled)
		Expect(stalled.Status).To(Equal(metav1.ConditionTrue))
		Expect(stalled.Reason).To(Equal(v1alpha1.ReasonDeploymentFailed))

		By("resyncing for an hour of simulated time (time scale 0.01), nudged every half second")
		for deadline := time.Now().Add(36 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
			o.Nudge()
		}
		Expect(env.Sim.CallCount("ecs", "UpdateService")-updates).To(Equal(1), "one UpdateService: the one that deployed the bad image")
		Expect(o.Condition(v1alpha1.ConditionServiceReady).Reason).To(Equal(v1alpha1.ReasonDeploymentFailed))
		svc := describeService(o.Get())
		Expect(aws.ToString(svc.TaskDefinition)).To(Equal(goodTD), "the service keeps running the previous revision")
		Expect(svc.RunningCount).To(Equal(int32(2)))
		var warnings []string
		for _, ev := range o.Events() {
			if ev.Type == corev1.EventTypeWarning {
				warnings = append(warnings, ev.Reason+": "+ev.Note)
			}
		}
		Expect(warnings).To(HaveLen(1))
		Expect(warnings[0]).To(ContainSubstring(revisionOf(badTD)))

		By("deploying a fixed image")
		fixed := "public.ecr.aws/docker/library/python:3.13-slim"
		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Service.Image = fixed })
		fd = expectReadyWithURL(o)
		Expect(fd.Status.DeployedRevision.Image).To(Equal(fixed))
		Expect(fd.Status.Service.FailedDeployment).To(BeNil())
		Expect(o.Condition(v1alpha1.ConditionStalled).Status).To(BeEmpty())

		o.DeleteAndWait()
		Eventually(env.Sim.ListLive).Should(BeEmpty())
	})

	It("serves plain HTTP on a non-default port, then HTTPS on 443 with the HTTP port redirecting once a certificate is set", func() {
		o := newObject(func(fd *v1alpha1.FlaskDeployment) {
			fd.Spec.Service.Image = "public.ecr.aws/docker/library/python:3.12-slim"
			fd.Spec.Service.LoadBalancer.Port = 8080
		})
		o.Create()
		fd := expectReadyWithURL(o)
		dns := fd.Status.Service.LoadBalancerDNS
		Expect(listeners(fd)).To(Equal([]string{"HTTP:8080 forward"}))
		Expect(ingressPorts(fd)).To(Equal([]string{"8080 0.0.0.0/0"}))
		Expect(fd.Status.URL).To(Equal("http://" + dns + ":8080"))
		Expect(o.Condition(v1alpha1.ConditionServiceReady).Message).To(HaveSuffix("behind http://" + dns + ":8080"))

		By("setting a certificate")
		cert, err := acm.NewFromConfig(env.AWS).ImportCertificate(ctx, &acm.ImportCertificateInput{
			Certificate: []byte("-----BEGIN CERTIFICATE-----\nZmFrZQ==\n-----END CERTIFICATE-----\n"),
			PrivateKey:  []byte("-----BEGIN PRIVATE KEY-----\nZmFrZQ==\n-----END PRIVATE KEY-----\n"),
		})
		Expect(err).NotTo(HaveOccurred())
		arn := aws.ToString(cert.CertificateArn)

		By("naming a certificate that does not exist first: stalled, still serving HTTP")
		unknown := arn[:len(arn)-1] + "0"
		if unknown == arn {
			unknown = arn[:len(arn)-1] + "1"
		}
		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Service.LoadBalancer.CertificateARN = unknown })
		Eventually(func(g Gomega) {
			c := o.Condition(v1alpha1.ConditionServiceReady)
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonAWSValidationError))
			g.Expect(c.Message).To(And(ContainSubstring("CertificateNotFound"), ContainSubstring(unknown)))
			g.Expect(o.Condition(v1alpha1.ConditionStalled).Status).To(Equal(metav1.ConditionTrue))
		}).Should(Succeed())
		Expect(listeners(fd)).To(Equal([]string{"HTTP:8080 forward"}), "the app stays reachable over HTTP")

		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Service.LoadBalancer.CertificateARN = arn })
		Eventually(func(g Gomega) {
			fd := o.Get()
			g.Expect(fd.Status.ObservedGeneration).To(Equal(fd.Generation))
			g.Expect(o.Condition(v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(fd.Status.URL).To(Equal("https://" + dns))
		}).Should(Succeed())
		fd = o.Get()
		Expect(listeners(fd)).To(Equal([]string{
			"HTTP:8080 redirect HTTPS:443 HTTP_301",
			"HTTPS:443 forward " + arn + " ELBSecurityPolicy-TLS13-1-2-2021-06",
		}))
		Expect(ingressPorts(fd)).To(Equal([]string{"443 0.0.0.0/0", "8080 0.0.0.0/0"}))
		Expect(fd.Status.Service.RedirectListenerARN).NotTo(BeEmpty())

		By("choosing another TLS policy")
		o.Update(func(fd *v1alpha1.FlaskDeployment) {
			fd.Spec.Service.LoadBalancer.SSLPolicy = "ELBSecurityPolicy-TLS13-1-3-2021-06"
		})
		fd = expectConverged(o)
		Expect(listeners(fd)).To(ContainElement("HTTPS:443 forward " + arn + " ELBSecurityPolicy-TLS13-1-3-2021-06"))

		By("removing the certificate: plain HTTP on the port again")
		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Service.LoadBalancer.CertificateARN = "" })
		fd = expectConverged(o)
		Expect(listeners(fd)).To(Equal([]string{"HTTP:8080 forward"}))
		Expect(ingressPorts(fd)).To(Equal([]string{"8080 0.0.0.0/0"}))
		Expect(fd.Status.URL).To(Equal("http://" + dns + ":8080"))
		Expect(fd.Status.Service.RedirectListenerARN).To(BeEmpty())

		o.DeleteAndWait()
		Eventually(func() []awssim.Resource {
			var left []awssim.Resource
			for _, r := range env.Sim.ListLive() {
				if r.Service != "acm" {
					left = append(left, r)
				}
			}
			return left
		}).Should(BeEmpty())
		_, err = acm.NewFromConfig(env.AWS).DeleteCertificate(ctx, &acm.DeleteCertificateInput{CertificateArn: aws.String(arn)})
		Expect(err).NotTo(HaveOccurred())
	})
})

// listeners describes the listeners of fd's load balancer as "HTTP:80 forward" or
// "HTTP:80 redirect HTTPS:443 HTTP_301" or "HTTPS:443 forward <certificate> <policy>".
func listeners(fd *v1alpha1.FlaskDeployment) []string {
	GinkgoHelper()
	out, err := env.Clients.ELBv2(testenv.Region).DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(fd.Status.Service.LoadBalancerARN)})
	Expect(err).NotTo(HaveOccurred())
	var got []string
	for _, l := range out.Listeners {
		s := fmt.Sprintf("%s:%d %s", l.Protocol, aws.ToInt32(l.Port), l.DefaultActions[0].Type)
		if rc := l.DefaultActions[0].RedirectConfig; rc != nil {
			s += fmt.Sprintf(" %s:%s %s", aws.ToString(rc.Protocol), aws.ToString(rc.Port), rc.StatusCode)
		}
		for _, c := range l.Certificates {
			s += " " + aws.ToString(c.CertificateArn)
		}
		if p := aws.ToString(l.SslPolicy); p != "" {
			s += " " + p
		}
		got = append(got, s)
	}
	slices.Sort(got)
	return got
}

// ingressPorts lists the ports the load balancer's security group opens, as "80 0.0.0.0/0".
func ingressPorts(fd *v1alpha1.FlaskDeployment) []string {
	GinkgoHelper()
	out, err := env.Clients.EC2(testenv.Region).DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{fd.Status.Service.LoadBalancerSecurityGroupID}})
	Expect(err).NotTo(HaveOccurred())
	var got []string
	for _, p := range out.SecurityGroups[0].IpPermissions {
		for _, r := range p.IpRanges {
			got = append(got, fmt.Sprintf("%d %s", aws.ToInt32(p.FromPort), aws.ToString(r.CidrIp)))
		}
	}
	slices.Sort(got)
	return got
}

// describeService reads fd's ECS service.
func describeService(fd *v1alpha1.FlaskDeployment) ecstypes.Service {
	GinkgoHelper()
	out, err := env.Clients.ECS(testenv.Region).DescribeServices(ctx, &awsecs.DescribeServicesInput{
		Cluster: aws.String(fd.Status.Service.ClusterARN), Services: []string{fd.Status.Service.ServiceARN},
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(out.Services).To(HaveLen(1))
	return out.Services[0]
}

// revisionOf is family:revision of a task definition ARN.
func revisionOf(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }
