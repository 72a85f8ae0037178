package integration_test

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

const image = "public.ecr.aws/docker/library/python:3.12-slim"

// newApp is a FlaskDeployment namespace/name running the public image, so that no
// pipeline is needed.
func newApp(env *testenv.Env, namespace, name string) *testenv.Object {
	fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	fd.Spec.Service.Image = image
	return env.Object(ctx, fd)
}

func namespace(env *testenv.Env) string {
	GinkgoHelper()
	ns, err := env.Namespace(ctx)
	Expect(err).NotTo(HaveOccurred())
	return ns
}

// isRead says whether an AWS operation only reads.
func isRead(op string) bool {
	for _, p := range []string{"Describe", "Get", "List", "BatchGet", "Head"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// callsSince is what was called since before, as "service:op" -> count, split into
// reads and writes.
func callsSince(before, now map[string]int) (reads, writes map[string]int) {
	reads, writes = map[string]int{}, map[string]int{}
	for k, n := range now {
		d := n - before[k]
		if d == 0 {
			continue
		}
		if _, op, _ := strings.Cut(k, ":"); isRead(op) {
			reads[k] = d
		} else {
			writes[k] = d
		}
	}
	return reads, writes
}

// unstructuredOf is the live object as kstatus and Argo CD see it.
func unstructuredOf(g Gomega, o *testenv.Object) map[string]any {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o.Get())
	g.Expect(err).NotTo(HaveOccurred())
	return obj
}

// health is kstatus and the Argo CD health status of one read of the live object.
func health(g Gomega, o *testenv.Object) (status.Status, string, string) {
	obj := unstructuredOf(g, o)
	res, err := status.Compute(&unstructured.Unstructured{Object: obj})
	g.Expect(err).NotTo(HaveOccurred())
	argo, msg, err := testenv.ArgoHealth(obj)
	g.Expect(err).NotTo(HaveOccurred())
	return res.Status, argo, msg
}

func setPaused(o *testenv.Object, paused bool) {
	GinkgoHelper()
	o.Update(func(fd *v1alpha1.FlaskDeployment) {
		if paused {
			if fd.Annotations == nil {
				fd.Annotations = map[string]string{}
			}
			fd.Annotations[v1alpha1.AnnotationPaused] = "true"
		} else {
			delete(fd.Annotations, v1alpha1.AnnotationPaused)
		}
	})
}

func expectPaused(o *testenv.Object) {
	GinkgoHelper()
	Eventually(func() metav1.ConditionStatus { return o.Condition(v1alpha1.ConditionPaused).Status }).
		Should(Equal(metav1.ConditionTrue))
}

// desiredCount is the desired count of the object's ECS service in the simulator.
func desiredCount(env *testenv.Env, o *testenv.Object) int32 {
	GinkgoHelper()
	st := o.Get().Status
	out, err := env.Clients.ECS(st.Region).DescribeServices(ctx, &awsecs.DescribeServicesInput{
		Cluster: aws.String(st.Service.ClusterARN), Services: []string{st.Service.ServiceARN}})
	Expect(err).NotTo(HaveOccurred())
	Expect(out.Services).To(HaveLen(1))
	return out.Services[0].DesiredCount
}

// isTagWrite says whether a write operation only puts tags on a resource.
func isTagWrite(op string) bool {
	_, op, _ = strings.Cut(op, ":")
	return slices.Contains([]string{"CreateTags", "AddTags", "TagResource", "TagRole", "TagLogGroup", "AddTagsToResource"}, op)
}

var _ = Describe("Lifecycle on the whole operator", func() {
	It("writes nothing to AWS under managementPolicy Observe: create, spec change, resync, delete", func() {
		env := startEnv(testenv.Options{Stages: controllers.Stages, ResyncPeriod: time.Second})
		ns := namespace(env)

		// A stack to observe: built by a Full object, left behind by Retain, which releases
		// it to whichever object of the same namespace/name comes next.
		full := newApp(env, ns, "app")
		full.Create()
		expectReady(full)
		full.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.DeletionPolicy = v1alpha1.DeletionPolicyRetain })
		full.DeleteAndWait()
		live := env.Sim.ListLive()
		Expect(liveOf(env.Sim, testenv.ClusterName)).NotTo(BeEmpty())

		before := env.Sim.Calls()
		obs := newApp(env, ns, "app")
		obs.FD.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
		obs.Create()
		Eventually(func(g Gomega) {
			cur := obs.Get()
			g.Expect(cur.Status.ObservedGeneration).To(Equal(cur.Generation))
			g.Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionReady)).NotTo(BeNil())
			g.Expect(cur.Status.Drift).NotTo(BeEmpty())
		}).Should(Succeed())
		first := obs.Get()
		Expect(first.Status.Region).To(Equal(testenv.Region))
		Expect(first.Status.Network.VPCID).NotTo(BeEmpty())
		Expect(first.Status.Service.ServiceARN).NotTo(BeEmpty())
		Expect(meta.FindStatusCondition(first.Status.Conditions, v1alpha1.ConditionNetworkReady).Reason).To(Equal(v1alpha1.ReasonObserved))
		// The retained resources were released (no uid tag) and Observe may not tag them.
		Expect(first.Status.Drift).To(HaveEach(ContainSubstring(cloud.TagUID + " missing")))
		Expect(first.Status.Drift).To(ContainElement(ContainSubstring("VPC " + first.Status.Network.VPCID)))

		obs.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Service.DesiredCount = ptr.To(int32(3)) })
		Eventually(func(g Gomega) {
			cur := obs.Get()
			g.Expect(cur.Status.ObservedGeneration).To(Equal(cur.Generation))
		}).Should(Succeed())
		reads, _ := callsSince(before, env.Sim.Calls())
		readsBefore := total(reads)
		time.Sleep(3 * time.Second) // three resync periods
		reads, writes := callsSince(before, env.Sim.Calls())
		Expect(total(reads)).To(BeNumerically(">", readsBefore), "resyncs read AWS")
		Expect(writes).To(BeEmpty())
		Expect(obs.Get().Status.Drift).To(ContainElement(MatchRegexp(`^ecs: service \S+: desired count 2 set to 3 \(not repaired: managementPolicy Observe\)$`)))
		Expect(desiredCount(env, obs)).To(Equal(int32(2)))

		obs.DeleteAndWait()
		_, writes = callsSince(before, env.Sim.Calls())
		Expect(writes).To(BeEmpty(), "no write from create to delete under Observe")
		Expect(env.Sim.ListLive()).To(Equal(live), "the observed resources are all still there")
	})

	It("adopts, by its tags, everything a Retain deletion left when created again, creating nothing", func() {
		env := startEnv(testenv.Options{Stages: controllers.Stages})
		ns := namespace(env)
		first := newApp(env, ns, "app")
		first.Create()
		expectReady(first)
		firstUID := string(first.Get().UID)
		first.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.DeletionPolicy = v1alpha1.DeletionPolicyRetain })
		first.DeleteAndWait()
		retained := liveOf(env.Sim, testenv.ClusterName)
		Expect(retained).NotTo(BeEmpty())
		for _, r := range retained {
			Expect(r.Tags).NotTo(HaveKey(cloud.TagUID), "%s %s is released", r.Type, r.ID)
		}

		before := env.Sim.Calls()
		again := newApp(env, ns, "app")
		again.Create()
		expectReady(again)
		uid := string(again.Get().UID)
		Expect(uid).NotTo(Equal(firstUID))
		_, writes := callsSince(before, env.Sim.Calls())
		for op := range writes {
			Expect(isTagWrite(op)).To(BeTrue(), "adoption only tags, it called %s: %v", op, writes)
		}
		adopted := liveOf(env.Sim, testenv.ClusterName)
		Expect(slices.Sorted(maps.Keys(adopted))).To(Equal(slices.Sorted(maps.Keys(retained))), "the same resources, none new")
		for _, r := range adopted {
			Expect(r.Tags).To(HaveKeyWithValue(cloud.TagUID, uid), "%s %s carries the new object's uid", r.Type, r.ID)
		}

		again.DeleteAndWait()
		Expect(env.Sim.ListLive()).To(BeEmpty())
	})

	It("reads only, and writes no status, at the resync of a Ready object that did not drift", func() {
		env := startEnv(testenv.Options{Stages: controllers.Stages, ResyncPeriod: time.Second})
		app := newApp(env, namespace(env), "app")
		app.Create()
		expectReady(app)
		rv := settledVersion(app) // the passes that follow Ready (first-ready bookkeeping) are over

		before := env.Sim.Calls()
		time.Sleep(4 * time.Second) // about four resync periods
		reads, writes := callsSince(before, env.Sim.Calls())
		Expect(writes).To(BeEmpty())
		Expect(reads).NotTo(BeEmpty(), "the resyncs read AWS")
		Expect(app.Get().ResourceVersion).To(Equal(rv), "no status patch at a resync that found nothing new")
		Expect(app.Get().Status.Drift).To(BeEmpty())
	})

	It("reports kstatus and Argo CD health from real reconciles", func() {
		env := startEnv(testenv.Options{Stages: controllers.Stages})
		ns := namespace(env)
		app := newApp(env, ns, "app")
		app.Create()
		Eventually(func(g Gomega) {
			g.Expect(meta.FindStatusCondition(app.Get().Status.Conditions, v1alpha1.ConditionReconciling)).NotTo(BeNil())
			ks, argo, _ := health(g, app)
			g.Expect(ks).To(Equal(status.InProgressStatus))
			g.Expect(argo).To(Equal("Progressing"))
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(app.Condition(v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
			ks, argo, _ := health(g, app)
			g.Expect(ks).To(Equal(status.CurrentStatus))
			g.Expect(argo).To(Equal("Healthy"))
		}).Should(Succeed())

		setPaused(app, true)
		Eventually(func(g Gomega) {
			_, argo, msg := health(g, app)
			g.Expect(argo).To(Equal("Suspended"))
			g.Expect(msg).To(ContainSubstring(v1alpha1.AnnotationPaused))
		}).Should(Succeed())
		// A spec change the paused operator does not act on: only observedGeneration's lag
		// tells kstatus, the conditions still say Ready.
		app.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Service.DesiredCount = ptr.To(int32(3)) })
		Eventually(func(g Gomega) {
			cur := app.Get()
			g.Expect(cur.Status.ObservedGeneration).To(BeNumerically("<", cur.Generation))
			g.Expect(meta.IsStatusConditionTrue(cur.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())
			ks, _, _ := health(g, app)
			g.Expect(ks).To(Equal(status.InProgressStatus))
		}).Should(Succeed())
		setPaused(app, false)
		Eventually(func(g Gomega) {
			ks, argo, _ := health(g, app)
			g.Expect(ks).To(Equal(status.CurrentStatus))
			g.Expect(argo).To(Equal("Healthy"))
			g.Expect(desiredCount(env, app)).To(Equal(int32(3)))
		}).Should(Succeed())

		// A repository of someone else's, named in the spec: an ownership conflict.
		_, err := env.Clients.ECR(testenv.Region).CreateRepository(ctx, &awsecr.CreateRepositoryInput{
			RepositoryName: aws.String("theirs"),
			Tags: []ecrtypes.Tag{{Key: aws.String(cloud.TagCluster), Value: aws.String(testenv.ClusterName)},
				{Key: aws.String(cloud.TagOwner), Value: aws.String("other/app")}},
		})
		Expect(err).NotTo(HaveOccurred())
		stuck := newApp(env, ns, "stuck")
		stuck.FD.Spec.Repository.Name = "theirs"
		stuck.Create()
		Eventually(func(g Gomega) {
			g.Expect(stuck.Condition(v1alpha1.ConditionStalled).Status).To(Equal(metav1.ConditionTrue))
			ks, argo, msg := health(g, stuck)
			g.Expect(ks).To(Equal(status.FailedStatus))
			g.Expect(argo).To(Equal("Degraded"))
			g.Expect(msg).To(ContainSubstring("other/app"))
		}).Should(Succeed())
	})

	It("makes no AWS call while paused, and converges once resumed", func() {
		env := startEnv(testenv.Options{Stages: controllers.Stages, ResyncPeriod: time.Second})
		app := newApp(env, namespace(env), "app")
		app.Create()
		expectReady(app)
		Expect(desiredCount(env, app)).NotTo(Equal(int32(3)))

		setPaused(app, true)
		expectPaused(app)
		before := env.Sim.Calls()
		app.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Service.DesiredCount = ptr.To(int32(3)) })
		time.Sleep(3 * time.Second) // three resync periods
		calls, writes := callsSince(before, env.Sim.Calls())
		Expect(calls).To(BeEmpty())
		Expect(writes).To(BeEmpty())

		setPaused(app, false)
		Eventually(func() int32 { return desiredCount(env, app) }).Should(Equal(int32(3)))
		Eventually(func(g Gomega) {
			cur := app.Get()
			g.Expect(cur.Status.ObservedGeneration).To(Equal(cur.Generation))
			g.Expect(meta.IsStatusConditionTrue(cur.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())
			g.Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionPaused)).To(BeNil())
		}).Should(Succeed())
	})

	It("converges 30 objects in 3 namespaces at once to disjoint resources, and deletes them all", func() {
		env := startEnv(testenv.Options{Stages: controllers.Stages, ResyncPeriod: 30 * time.Second})
		var apps []*testenv.Object
		owners := map[string]bool{}
		for range 3 {
			ns := namespace(env)
			for i := range 10 {
				app := newApp(env, ns, fmt.Sprintf("app-%d", i))
				apps = append(apps, app)
				owners[ns+"/"+app.FD.Name] = true
			}
		}
		start := time.Now()
		for _, app := range apps {
			app.Create()
		}
		for _, app := range apps {
			expectReady(app)
		}
		GinkgoWriter.Printf("30 objects Ready in %s\n", time.Since(start))

		perOwner := map[string]int{}
		for _, r := range env.Sim.ListLive() {
			owner, tagged := r.Tags[cloud.TagOwner]
			if !tagged {
				continue
			}
			Expect(owners).To(HaveKey(owner), "%s %s is owned by one of the objects", r.Type, r.ID)
			Expect(r.Tags[cloud.TagCluster]).To(Equal(testenv.ClusterName))
			perOwner[owner]++
		}
		Expect(perOwner).To(HaveLen(len(apps)))
		counts := map[int][]string{}
		for owner, n := range perOwner {
			counts[n] = append(counts[n], owner)
		}
		for _, o := range counts {
			sort.Strings(o)
		}
		Expect(counts).To(HaveLen(1), "every object owns as many resources as the others: %v", counts)

		start = time.Now()
		for _, app := range apps {
			Expect(env.Client.Delete(ctx, app.Get())).To(Succeed())
		}
		Eventually(env.Sim.ListLive, 3*timeout).Should(BeEmpty())
		GinkgoWriter.Printf("30 objects deleted in %s\n", time.Since(start))
	})
})

// settled waits until no AWS call has been made for a while, so that no pass is half
// counted, and returns the calls so far.
func settled(env *testenv.Env) map[string]int {
	GinkgoHelper()
	last := env.Sim.Calls()
	Eventually(func() bool {
		now := env.Sim.Calls()
		same := maps.Equal(now, last)
		last = now
		return same
	}).WithPolling(300 * time.Millisecond).Should(BeTrue())
	return last
}

// settledVersion waits until the object's resourceVersion stays the same over more than a
// resync period (1 s in these specs) and returns it: the status writes that follow Ready
// are over, however slowly the machine runs them.
func settledVersion(app *testenv.Object) string {
	GinkgoHelper()
	last := app.Get().ResourceVersion
	Eventually(func() bool {
		now := app.Get().ResourceVersion
		same := now == last
		last = now
		return same
	}).WithPolling(1500 * time.Millisecond).Should(BeTrue())
	return last
}

// passesSince counts the passes made since before: each reads the route tables once.
func passesSince(env *testenv.Env, before map[string]int) int {
	return env.Sim.Calls()["ec2:DescribeRouteTables"] - before["ec2:DescribeRouteTables"]
}

// lightPass waits for a pass that is light in every stage, and returns the calls after it.
func lightPass(env *testenv.Env) map[string]int {
	GinkgoHelper()
	before := settled(env)
	for range 30 {
		Eventually(func() int { return passesSince(env, before) }).Should(BeNumerically(">=", 1))
		after := settled(env)
		if reads, _ := callsSince(before, after); reads[fullNetwork]+reads[fullECS] == 0 {
			return after
		}
		before = after
	}
	Fail("no light pass")
	return nil
}

// Operations only a full pass of a stage makes.
const (
	fullNetwork = "ec2:DescribeSubnets"
	fullECR     = "ecr:GetLifecyclePolicy"
	fullECS     = "iam:GetRole"
)

var _ = Describe("Light resyncs between full checks", func() {
	// readyApp starts an environment whose full checks are fullCheck apart, with one Ready
	// object, and waits out the passes that follow Ready.
	readyApp := func(fullCheck time.Duration) (*testenv.Env, *testenv.Object) {
		GinkgoHelper()
		env := startEnv(testenv.Options{Stages: controllers.Stages, ResyncPeriod: time.Second, FullCheckPeriod: fullCheck})
		app := newApp(env, namespace(env), "app")
		app.Create()
		expectReady(app)
		settledVersion(app)
		return env, app
	}

	It("read at most 12 times each and write nothing, to AWS or to status", func() {
		env, app := readyApp(time.Hour)
		before, rv := settled(env), app.Get().ResourceVersion
		Eventually(func() int { return passesSince(env, before) }).Should(BeNumerically(">=", 5))
		reads, writes := callsSince(before, settled(env))
		Expect(writes).To(BeEmpty())
		// On a loaded machine a snapshot can fall inside a pass, so an operation may count one
		// pass more than another; one read twice a pass would count about double.
		fewest, most := math.MaxInt, 0
		for _, n := range reads {
			fewest, most = min(fewest, n), max(most, n)
		}
		Expect(fewest).To(BeNumerically(">=", 4), "reads over five resyncs: %v", reads)
		Expect(most-fewest).To(BeNumerically("<=", 1), "each operation is read once per resync: %v", reads)
		Expect(len(reads)).To(BeNumerically("<=", 12), "reads per resync: %v", reads)
		Expect(reads).NotTo(HaveKey(fullECS))
		Expect(reads).NotTo(HaveKey("application-autoscaling:DescribeScalableTargets"), "no autoscaling, no scalable target to read")
		Expect(app.Get().ResourceVersion).To(Equal(rv), "no status patch")
	})

	It("repair what they see drifted, and what was deleted, by a full pass of that stage only", func() {
		env, app := readyApp(time.Hour)
		st := app.Get().Status
		svc, rtb := st.Service, st.Network.PrivateRouteTables[0].ID
		ec2c, elb, logs := env.Clients.EC2(testenv.Region), env.Clients.ELBv2(testenv.Region), env.Clients.Logs(testenv.Region)
		// repaired changes AWS behind the operator's back and expects a resync to put it
		// back, with no full pass of the stages named by the operations in notFull.
		repaired := func(what string, change func() error, back func(g Gomega), notFull ...string) {
			GinkgoHelper()
			By(what)
			before := lightPass(env)
			Expect(change()).To(Succeed())
			var reads map[string]int
			Eventually(func(g Gomega) {
				back(g)
				reads, _ = callsSince(before, env.Sim.Calls())
			}).Should(Succeed())
			for _, op := range notFull {
				Expect(reads).NotTo(HaveKey(op), "no full pass of the other stages")
			}
		}

		repaired("a desired count", func() error {
			_, err := env.Clients.ECS(testenv.Region).UpdateService(ctx, &awsecs.UpdateServiceInput{
				Cluster: aws.String(svc.ClusterARN), Service: aws.String(svc.ServiceARN), DesiredCount: aws.Int32(1)})
			return err
		}, func(g Gomega) { g.Expect(desiredCount(env, app)).To(Equal(int32(2))) }, fullNetwork, fullECR)

		repaired("an ingress rule added to the load balancer's security group", func() error {
			_, err := ec2c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(svc.LoadBalancerSecurityGroupID),
				IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
					IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
			return err
		}, func(g Gomega) {
			out, err := ec2c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{svc.LoadBalancerSecurityGroupID}})
			g.Expect(err).NotTo(HaveOccurred())
			for _, perm := range out.SecurityGroups[0].IpPermissions {
				g.Expect(aws.ToInt32(perm.FromPort)).NotTo(Equal(int32(22)))
			}
		}, fullNetwork, fullECR)

		repaired("the listener's action", func() error {
			_, err := elb.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: aws.String(svc.ListenerARN),
				DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse,
					FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: aws.String("503")}}}})
			return err
		}, func(g Gomega) {
			out, err := elb.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{svc.ListenerARN}})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(out.Listeners[0].DefaultActions).To(HaveLen(1))
			g.Expect(out.Listeners[0].DefaultActions[0].Type).To(Equal(elbv2types.ActionTypeEnumForward))
		}, fullNetwork, fullECR)

		repaired("the load balancer's idle timeout", func() error {
			_, err := elb.ModifyLoadBalancerAttributes(ctx, &elbv2.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(svc.LoadBalancerARN),
				Attributes: []elbv2types.LoadBalancerAttribute{{Key: aws.String("idle_timeout.timeout_seconds"), Value: aws.String("300")}}})
			return err
		}, func(g Gomega) {
			out, err := elb.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(svc.LoadBalancerARN)})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(out.Attributes).To(ContainElement(And(
				HaveField("Key", HaveValue(Equal("idle_timeout.timeout_seconds"))), HaveField("Value", HaveValue(Equal("60"))))))
		}, fullNetwork, fullECR)

		logRetention := func(g Gomega) int32 {
			group, err := cloud.FindLogGroup(ctx, logs, svc.LogGroupName)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(group).NotTo(BeNil())
			return aws.ToInt32(group.RetentionInDays)
		}
		repaired("the log retention", func() error {
			_, err := logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(svc.LogGroupName), RetentionInDays: aws.Int32(30)})
			return err
		}, func(g Gomega) { g.Expect(logRetention(g)).To(Equal(int32(7))) }, fullNetwork, fullECR)

		repaired("the private default route", func() error {
			_, err := ec2c.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String("0.0.0.0/0")})
			return err
		}, func(g Gomega) {
			out, err := ec2c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{rtb}})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(out.RouteTables[0].Routes).To(ContainElement(HaveField("DestinationCidrBlock", HaveValue(Equal("0.0.0.0/0")))))
		}, fullECS, fullECR)

		repaired("the log group, deleted", func() error {
			_, err := logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(svc.LogGroupName)})
			return err
		}, func(g Gomega) { g.Expect(logRetention(g)).To(Equal(int32(7))) }, fullNetwork, fullECR)

		repaired("the listener, deleted", func() error {
			_, err := elb.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: aws.String(svc.ListenerARN)})
			return err
		}, func(g Gomega) {
			out, err := elb.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(svc.LoadBalancerARN)})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(out.Listeners).To(HaveLen(1))
			g.Expect(app.Get().Status.Service.ListenerARN).To(Equal(aws.ToString(out.Listeners[0].ListenerArn)))
		}, fullNetwork, fullECR)
		Expect(strings.Join(app.Get().Status.Drift, "\n")).To(ContainSubstring("no longer exists"))
		expectReady(app)
	})

	It("give way to a full pass once the full-check period is over", func() {
		env, app := readyApp(4 * time.Second)
		tg := app.Get().Status.Service.TargetGroupARN
		elb := env.Clients.ELBv2(testenv.Region)
		before := settled(env)
		// What only a full pass reads: the target group's health check.
		_, err := elb.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{TargetGroupArn: aws.String(tg), HealthCheckPath: aws.String("/elsewhere")})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			out, err := elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{tg}})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(aws.ToString(out.TargetGroups[0].HealthCheckPath)).To(Equal("/"))
		}, 15*time.Second).Should(Succeed())
		Eventually(func() int { return passesSince(env, before) }).Should(BeNumerically(">=", 8))
		reads, writes := callsSince(before, settled(env))
		passes, full := reads["ec2:DescribeRouteTables"], reads[fullECS]
		GinkgoWriter.Printf("%d passes, %d full\n", passes, full)
		Expect(full).To(BeNumerically(">=", 1), "a full pass ran")
		Expect(full).To(BeNumerically("<=", passes/2), "the passes in between are light")
		// A snapshot inside a full pass may count one stage's full reads and not yet another's.
		Expect(reads[fullNetwork]).To(BeNumerically("~", full, 1), "every stage's pass is full")
		Expect(writes).To(Equal(map[string]int{"elasticloadbalancing:ModifyTargetGroup": 2}), "the drift and its repair")
	})
})
