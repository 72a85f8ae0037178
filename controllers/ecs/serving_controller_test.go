package ecs_test

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// healthyIn counts the healthy targets of a target group.
func healthyIn(tg string) int {
	GinkgoHelper()
	out, err := env.Clients.ELBv2(testenv.Region).DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
	Expect(err).NotTo(HaveOccurred())
	n := 0
	for _, d := range out.TargetHealthDescriptions {
		if d.TargetHealth.State == elbv2types.TargetHealthStateEnumHealthy {
			n++
		}
	}
	return n
}

// describeListener reads one listener.
func describeListener(arn string) elbv2types.Listener {
	GinkgoHelper()
	out, err := env.Clients.ELBv2(testenv.Region).DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{arn}})
	Expect(err).NotTo(HaveOccurred())
	Expect(out.Listeners).To(HaveLen(1))
	return out.Listeners[0]
}

var _ = Describe("ECS stage serving through the reconciler", func() {
	image := "public.ecr.aws/docker/library/python:3.12-slim"

	It("replaces the target group on a container port change while the listener keeps serving from healthy targets", func() {
		o := newObject(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Service.Image = image })
		o.Create()
		fd := expectReadyWithURL(o)
		st := fd.Status.Service
		old, url := st.TargetGroupARN, fd.Status.URL

		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Service.ContainerPort = 8000 })
		By("watching the listener until the object is Ready again: it forwards only to groups with a healthy target")
		sawBoth := false
		for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
			l := describeListener(st.ListenerARN)
			serving := servingGroups(l)
			Expect(serving).NotTo(BeEmpty(), "the listener forwards to no target group")
			for _, tg := range serving {
				Expect(healthyIn(tg)).To(BeNumerically(">", 0), "the listener forwards to target group %s, which has no healthy target", tg)
			}
			if fc := l.DefaultActions[0].ForwardConfig; fc != nil && len(fc.TargetGroups) == 2 {
				sawBoth = true
			}
			cur := o.Get()
			Expect(cur.Status.URL).To(Equal(url))
			c := o.Condition(v1alpha1.ConditionReady)
			if c.Status == metav1.ConditionTrue && c.ObservedGeneration == cur.Generation && cur.Status.Service.PreviousTargetGroupARN == "" {
				break
			}
			Expect(time.Now()).To(BeTemporally("<", deadline), "not Ready again: %s: %s", c.Reason, c.Message)
		}
		Expect(sawBoth).To(BeTrue(), "the new group was attached next to the old one before taking the traffic")

		fd = o.Get()
		st = fd.Status.Service
		Expect(st.TargetGroupARN).NotTo(Equal(old))
		Expect(servingGroups(describeListener(st.ListenerARN))).To(Equal([]string{st.TargetGroupARN}))
		groups, err := env.Clients.ELBv2(testenv.Region).DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{st.TargetGroupARN}})
		Expect(err).NotTo(HaveOccurred())
		Expect(aws.ToInt32(groups.TargetGroups[0].Port)).To(Equal(int32(8000)))
		_, err = env.Clients.ELBv2(testenv.Region).DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{old}})
		Expect(cloud.IsNotFound(err)).To(BeTrue(), "the old target group is deleted: %v", err)
		svc := describeService(fd)
		Expect(svc.LoadBalancers).To(HaveLen(1))
		Expect(aws.ToString(svc.LoadBalancers[0].TargetGroupArn)).To(Equal(st.TargetGroupARN))
		Expect(aws.ToInt32(svc.LoadBalancers[0].ContainerPort)).To(Equal(int32(8000)))
		Expect(ownedLive(fd)).To(HaveKeyWithValue("elasticloadbalancing/targetgroup", 1))
		Expect(ecsDrift(fd)).To(BeEmpty(), "a spec change is not drift")

		o.DeleteAndWait()
		Eventually(env.Sim.ListLive).Should(BeEmpty())
	})

	It("is ready only when every registered target is healthy, with defaults from the API", func() {
		o := newObject(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Service.Image = image })
		o.Create()
		fd := expectReadyWithURL(o)
		st := fd.Status.Service
		Expect(aws.ToInt32(describeService(fd).HealthCheckGracePeriodSeconds)).To(Equal(int32(60)), "the API's default grace period")
		groups, err := env.Clients.ELBv2(testenv.Region).DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{st.TargetGroupARN}})
		Expect(err).NotTo(HaveOccurred())
		tg := groups.TargetGroups[0]
		Expect([]int32{aws.ToInt32(tg.HealthCheckIntervalSeconds), aws.ToInt32(tg.HealthCheckTimeoutSeconds), aws.ToInt32(tg.HealthyThresholdCount),
			aws.ToInt32(tg.UnhealthyThresholdCount)}).To(Equal([]int32{30, 5, 5, 2}), "the API's default health check: interval, timeout, thresholds")
		attrs, err := env.Clients.ELBv2(testenv.Region).DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(st.TargetGroupARN)})
		Expect(err).NotTo(HaveOccurred())
		Expect(attrs.Attributes).To(ContainElement(elbv2types.TargetGroupAttribute{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("30")}))

		By("giving the tasks a long grace period, so that ECS leaves failing tasks in place (no new deployment)")
		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Service.HealthCheckGracePeriodSeconds = aws.Int32(6000) })
		expectConverged(o)
		svc := describeService(fd)
		Expect(aws.ToInt32(svc.HealthCheckGracePeriodSeconds)).To(Equal(int32(6000)))
		deployment := aws.ToString(svc.Deployments[0].Id)

		By("making the app fail its health checks")
		env.Sim.SetImageHealth(image, false)
		Eventually(func(g Gomega) {
			c := o.Condition(v1alpha1.ConditionServiceReady)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonWaitingForDeployment))
			g.Expect(c.Message).To(ContainSubstring("0/2 targets healthy in target group " + st.TargetGroupARN))
		}).Should(Succeed())
		Expect(o.Condition(v1alpha1.ConditionReady).Status).NotTo(Equal(metav1.ConditionTrue))
		Consistently(func(g Gomega) {
			g.Expect(o.Condition(v1alpha1.ConditionServiceReady).Message).To(ContainSubstring("targets healthy"))
			g.Expect(o.Condition(v1alpha1.ConditionReady).Status).NotTo(Equal(metav1.ConditionTrue))
		}, 2*time.Second).Should(Succeed(), "stays not ready while the app fails, over resyncs")
		svc = describeService(fd)
		Expect(svc.Deployments).To(HaveLen(1))
		Expect(aws.ToString(svc.Deployments[0].Id)).To(Equal(deployment), "no new deployment")
		Expect(svc.Deployments[0].RolloutState).To(Equal(ecstypes.DeploymentRolloutStateCompleted))
		Expect(svc.RunningCount).To(Equal(int32(2)), "ECS left the failing tasks in place within their grace period")

		By("making the app pass them again")
		env.Sim.SetImageHealth(image, true)
		fd = expectReadyWithURL(o)
		Expect(healthyIn(st.TargetGroupARN)).To(Equal(2))

		o.DeleteAndWait()
		Eventually(env.Sim.ListLive).Should(BeEmpty())
	})
})
