package controllers_test

import (
	"time"

	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers"
)

const (
	timeout = 20 * time.Second
	poll    = 50 * time.Millisecond
)

// newFD creates a FlaskDeployment whose fake stages behave as the annotations say.
func newFD(annotations map[string]string) *v1alpha1.FlaskDeployment {
	ns, err := env.Namespace(ctx)
	Expect(err).NotTo(HaveOccurred())
	fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: ns, Annotations: annotations}}
	Expect(env.Client.Create(ctx, fd)).To(Succeed())
	return fd
}

func get(fd *v1alpha1.FlaskDeployment) *v1alpha1.FlaskDeployment {
	out := &v1alpha1.FlaskDeployment{}
	Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(fd), out)).To(Succeed())
	return out
}

func condition(fd *v1alpha1.FlaskDeployment, t string) *metav1.Condition {
	return meta.FindStatusCondition(get(fd).Status.Conditions, t)
}

func kstatus(fd *v1alpha1.FlaskDeployment) status.Status {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(get(fd))
	Expect(err).NotTo(HaveOccurred())
	res, err := status.Compute(&unstructured.Unstructured{Object: obj})
	Expect(err).NotTo(HaveOccurred())
	return res.Status
}

func setAnnotation(fd *v1alpha1.FlaskDeployment, k, v string) {
	cur := get(fd)
	patch := client.MergeFrom(cur.DeepCopy())
	if cur.Annotations == nil {
		cur.Annotations = map[string]string{}
	}
	cur.Annotations[k] = v
	Expect(env.Client.Patch(ctx, cur, patch)).To(Succeed())
}

// eventsIn lists the events of a namespace as "type/reason/action".
func eventsIn(ns string) []string {
	list := &eventsv1.EventList{}
	Expect(env.Client.List(ctx, list, client.InNamespace(ns))).To(Succeed())
	var out []string
	for _, e := range list.Items {
		out = append(out, e.Type+"/"+e.Reason+"/"+e.Action)
	}
	return out
}

func haveCondition(status metav1.ConditionStatus, reason string) OmegaMatcher {
	return And(Not(BeNil()),
		HaveField("Status", status),
		HaveField("Reason", reason))
}

var _ = Describe("FlaskDeployment orchestration", func() {
	It("adds the finalizer, fixes the region and reports Ready with every stage's condition", func() {
		fd := newFD(nil)
		Eventually(func(g Gomega) {
			cur := get(fd)
			g.Expect(cur.Finalizers).To(ContainElement(controllers.Finalizer))
			g.Expect(meta.IsStatusConditionTrue(cur.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())
			g.Expect(cur.Status.ObservedGeneration).To(Equal(cur.Generation))
		}, timeout, poll).Should(Succeed())

		cur := get(fd)
		Expect(cur.Status.Region).To(Equal("us-east-1"))
		Expect(cur.Status.Network.VPCID).To(Equal("vpc-0fake"))
		Expect(cur.Status.URL).To(Equal("http://fake-alb.us-east-1.elb.amazonaws.com"))
		Expect(condition(fd, v1alpha1.ConditionNetworkReady)).To(haveCondition(metav1.ConditionTrue, "Ready"))
		Expect(condition(fd, v1alpha1.ConditionRepositoryReady)).To(haveCondition(metav1.ConditionTrue, "Ready"))
		Expect(condition(fd, v1alpha1.ConditionReconciling)).To(BeNil())
		Expect(condition(fd, v1alpha1.ConditionStalled)).To(BeNil())
		for _, c := range cur.Status.Conditions {
			Expect(c.ObservedGeneration).To(Equal(cur.Generation), c.Type)
		}
		Expect(kstatus(fd)).To(Equal(status.CurrentStatus))
	})

	It("does not write status on a pass that changes nothing", func() {
		fd := newFD(nil)
		Eventually(func() bool {
			return meta.IsStatusConditionTrue(get(fd).Status.Conditions, v1alpha1.ConditionReady)
		}, timeout, poll).Should(BeTrue())

		setAnnotation(fd, "nudge", "1")
		rv := get(fd).ResourceVersion
		passes := alpha.Reconciles(fd)
		// The nudge and the 2 s resync both cause passes; none of them may write.
		Eventually(func() int { return alpha.Reconciles(fd) }, timeout, poll).Should(BeNumerically(">=", passes+2))
		Expect(get(fd).ResourceVersion).To(Equal(rv))
	})

	It("keeps an independent stage going while another one waits", func() {
		fd := newFD(map[string]string{annotationPrefix + "alpha": "waiting"})
		Eventually(func(g Gomega) {
			g.Expect(condition(fd, v1alpha1.ConditionRepositoryReady)).To(haveCondition(metav1.ConditionTrue, "Ready"))
			g.Expect(condition(fd, v1alpha1.ConditionNetworkReady)).To(haveCondition(metav1.ConditionFalse, "WaitingForThing"))
		}, timeout, poll).Should(Succeed())

		Expect(condition(fd, v1alpha1.ConditionReady)).To(And(
			haveCondition(metav1.ConditionFalse, "WaitingForThing"),
			HaveField("Message", "waiting for thing-alpha (pending)")))
		Expect(condition(fd, v1alpha1.ConditionReconciling)).To(haveCondition(metav1.ConditionTrue, v1alpha1.ReasonProgressing))
		Expect(condition(fd, v1alpha1.ConditionStalled)).To(BeNil())
		cur := get(fd)
		Expect(cur.Status.Message).To(Equal("waiting for thing-alpha (pending)"))
		// Waiting is a finished evaluation of the spec, unlike a failed call.
		Expect(cur.Status.ObservedGeneration).To(Equal(cur.Generation))
		for _, c := range cur.Status.Conditions {
			Expect(c.ObservedGeneration).To(Equal(cur.Generation), c.Type)
		}
		Expect(kstatus(fd)).To(Equal(status.InProgressStatus))
		// A waiting stage is polled again, not forgotten.
		passes := alpha.Reconciles(fd)
		Eventually(func() int { return alpha.Reconciles(fd) }, timeout, poll).Should(BeNumerically(">", passes+2))
	})

	It("retries a transient failure until the stage recovers", func() {
		// Eight failures keep the backoff going for over a second, long enough to watch.
		fd := newFD(map[string]string{annotationPrefix + "alpha": "transient-8"})
		Eventually(func(g Gomega) {
			cur := get(fd)
			network := meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionNetworkReady)
			g.Expect(network).To(haveCondition(metav1.ConditionUnknown, v1alpha1.ReasonRetrying))
			g.Expect(network.Message).To(ContainSubstring("RequestLimitExceeded"))
			g.Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionReady)).
				To(haveCondition(metav1.ConditionUnknown, v1alpha1.ReasonRetrying))
			g.Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionReconciling)).
				To(haveCondition(metav1.ConditionTrue, v1alpha1.ReasonProgressing))
			g.Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionStalled)).To(BeNil())
			// A pass that failed did not finish evaluating the spec.
			g.Expect(cur.Status.ObservedGeneration).To(BeNumerically("<", cur.Generation))
		}, timeout, poll).Should(Succeed())

		Eventually(func() bool {
			return meta.IsStatusConditionTrue(get(fd).Status.Conditions, v1alpha1.ConditionReady)
		}, timeout, poll).Should(BeTrue())
		Expect(alpha.Reconciles(fd)).To(BeNumerically(">=", 9))
		Expect(condition(fd, v1alpha1.ConditionNetworkReady)).To(HaveField("Message", "recovered"))
		Expect(get(fd).Status.ObservedGeneration).To(Equal(get(fd).Generation))
	})

	It("stalls on a terminal error without a hot loop, and recovers when the spec changes", func() {
		fd := newFD(map[string]string{annotationPrefix + "alpha": "terminal"})
		Eventually(func() *metav1.Condition { return condition(fd, v1alpha1.ConditionStalled) }, timeout, poll).
			Should(haveCondition(metav1.ConditionTrue, v1alpha1.ReasonAWSValidationError))

		cur := get(fd)
		Expect(cur.Status.ObservedGeneration).To(Equal(cur.Generation))
		Expect(condition(fd, v1alpha1.ConditionReady)).To(haveCondition(metav1.ConditionFalse, v1alpha1.ReasonAWSValidationError))
		Expect(condition(fd, v1alpha1.ConditionStalled).Message).To(ContainSubstring("bad CIDR"))
		Expect(condition(fd, v1alpha1.ConditionReconciling)).To(BeNil())
		Expect(condition(fd, v1alpha1.ConditionRepositoryReady)).To(haveCondition(metav1.ConditionTrue, "Ready"))
		Expect(kstatus(fd)).To(Equal(status.FailedStatus))

		Eventually(func() []string { return eventsIn(fd.Namespace) }, timeout, poll).
			Should(ContainElement("Warning/Stalled/Reconcile"))

		// No hot loop: a stalled object is only looked at again after the resync period (2 s
		// here), in case AWS was put right outside the spec.
		passes := alpha.Reconciles(fd)
		Consistently(func() int { return alpha.Reconciles(fd) }, 3*time.Second, 100*time.Millisecond).Should(BeNumerically("<=", passes+2))

		cur = get(fd)
		patch := client.MergeFrom(cur.DeepCopy())
		cur.Annotations[annotationPrefix+"alpha"] = "ready"
		cur.Spec.Tags = map[string]string{"fixed": "yes"}
		Expect(env.Client.Patch(ctx, cur, patch)).To(Succeed())
		Eventually(func(g Gomega) {
			now := get(fd)
			g.Expect(meta.IsStatusConditionTrue(now.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())
			g.Expect(meta.FindStatusCondition(now.Status.Conditions, v1alpha1.ConditionStalled)).To(BeNil())
			g.Expect(now.Status.ObservedGeneration).To(Equal(now.Generation))
		}, timeout, poll).Should(Succeed())
	})

	It("looks at a stalled object again at the resync period, so a fix outside the spec heals it", func() {
		fd := newFD(map[string]string{annotationPrefix + "alpha": "terminal-1"})
		Eventually(func() *metav1.Condition { return condition(fd, v1alpha1.ConditionStalled) }, timeout, poll).
			Should(haveCondition(metav1.ConditionTrue, "VpcLimitExceeded"))
		generation := get(fd).Generation
		Eventually(func(g Gomega) {
			now := get(fd)
			g.Expect(meta.IsStatusConditionTrue(now.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())
			g.Expect(meta.FindStatusCondition(now.Status.Conditions, v1alpha1.ConditionStalled)).To(BeNil())
		}, timeout, poll).Should(Succeed())
		Expect(get(fd).Generation).To(Equal(generation))
	})

	It("deletes the stages in reverse order and removes the finalizer only when all are gone", func() {
		fd := newFD(map[string]string{annotationPrefix + "alpha-delete": "slow-5"})
		Eventually(func() bool {
			return meta.IsStatusConditionTrue(get(fd).Status.Conditions, v1alpha1.ConditionReady)
		}, timeout, poll).Should(BeTrue())

		Expect(env.Client.Delete(ctx, fd)).To(Succeed())
		Eventually(func(g Gomega) {
			cur := get(fd)
			g.Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionDeletionBlocked)).
				To(And(haveCondition(metav1.ConditionTrue, "WaitingForThingDeleted"),
					HaveField("Message", ContainSubstring("thing-alpha still deleting"))))
			g.Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionReady)).
				To(haveCondition(metav1.ConditionFalse, v1alpha1.ReasonDeleting))
			g.Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionNetworkReady)).
				To(haveCondition(metav1.ConditionFalse, v1alpha1.ReasonDeleting))
			g.Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionReconciling)).
				To(haveCondition(metav1.ConditionTrue, v1alpha1.ReasonDeleting))
			// The API server bumps the generation when deletion starts.
			g.Expect(cur.Status.ObservedGeneration).To(Equal(cur.Generation))
			for _, t := range []string{v1alpha1.ConditionDeletionBlocked, v1alpha1.ConditionReady,
				v1alpha1.ConditionNetworkReady, v1alpha1.ConditionReconciling} {
				g.Expect(meta.FindStatusCondition(cur.Status.Conditions, t).ObservedGeneration).To(Equal(cur.Generation), t)
			}
			g.Expect(cur.Finalizers).To(ContainElement(controllers.Finalizer))
		}, timeout, poll).Should(Succeed())

		Eventually(func() error {
			return env.Client.Get(ctx, client.ObjectKeyFromObject(fd), &v1alpha1.FlaskDeployment{})
		}, timeout, poll).Should(MatchError(ContainSubstring("not found")))
		// Delete is idempotent, so a finished stage reports done again on later passes; what
		// matters is that alpha (created first) finished only after beta was gone.
		order := alpha.log.deletedOrder(key(fd))
		Expect(order[0]).To(Equal("beta"))
		Expect(order[len(order)-1]).To(Equal("alpha"))
		Expect(order[:len(order)-1]).To(HaveEach("beta"))
		Expect(alpha.Deletes(fd)).To(Equal(6))
	})

	It("retries a transient delete failure and removes the finalizer once the stage recovers", func() {
		fd := newFD(map[string]string{annotationPrefix + "alpha-delete": "transient-8"})
		Eventually(func() []string { return get(fd).Finalizers }, timeout, poll).Should(ContainElement(controllers.Finalizer))
		Expect(env.Client.Delete(ctx, fd)).To(Succeed())

		Eventually(func(g Gomega) {
			cur := get(fd)
			g.Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionDeletionBlocked)).
				To(And(haveCondition(metav1.ConditionTrue, v1alpha1.ReasonRetrying),
					HaveField("Message", ContainSubstring("RequestLimitExceeded"))))
			g.Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionReconciling)).
				To(haveCondition(metav1.ConditionTrue, v1alpha1.ReasonDeleting))
			g.Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionStalled)).To(BeNil())
			g.Expect(cur.Finalizers).To(ContainElement(controllers.Finalizer))
		}, timeout, poll).Should(Succeed())

		Eventually(func() error {
			return env.Client.Get(ctx, client.ObjectKeyFromObject(fd), &v1alpha1.FlaskDeployment{})
		}, timeout, poll).Should(MatchError(ContainSubstring("not found")))
	})

	It("stalls a deletion on a terminal error, keeps the finalizer, and finishes once the stage is healed", func() {
		fd := newFD(map[string]string{annotationPrefix + "alpha-delete": "terminal"})
		Eventually(func() []string { return get(fd).Finalizers }, timeout, poll).Should(ContainElement(controllers.Finalizer))
		Expect(env.Client.Delete(ctx, fd)).To(Succeed())

		Eventually(func() *metav1.Condition { return condition(fd, v1alpha1.ConditionStalled) }, timeout, poll).
			Should(haveCondition(metav1.ConditionTrue, v1alpha1.ReasonAccessDenied))
		cur := get(fd)
		Expect(cur.Finalizers).To(ContainElement(controllers.Finalizer))
		Expect(cur.Status.ObservedGeneration).To(Equal(cur.Generation))
		Expect(condition(fd, v1alpha1.ConditionStalled).Message).To(ContainSubstring("UnauthorizedOperation"))
		Expect(condition(fd, v1alpha1.ConditionDeletionBlocked)).To(And(
			haveCondition(metav1.ConditionTrue, v1alpha1.ReasonAccessDenied),
			HaveField("Message", ContainSubstring("UnauthorizedOperation"))))
		Expect(condition(fd, v1alpha1.ConditionReady)).To(haveCondition(metav1.ConditionFalse, v1alpha1.ReasonDeleting))
		Expect(condition(fd, v1alpha1.ConditionReconciling)).To(BeNil())
		Eventually(func() []string { return eventsIn(fd.Namespace) }, timeout, poll).
			Should(ContainElement("Warning/Stalled/Delete"))

		setAnnotation(fd, annotationPrefix+"alpha-delete", "done")
		Eventually(func() error {
			return env.Client.Get(ctx, client.ObjectKeyFromObject(fd), &v1alpha1.FlaskDeployment{})
		}, timeout, poll).Should(MatchError(ContainSubstring("not found")))
	})

	It("looks at a stalled deletion again at the resync period, so a fix outside the spec finishes it", func() {
		// Two failures: a resync left over from converging may cause the second pass, but
		// only the deletion's own recheck can cause the third.
		fd := newFD(map[string]string{annotationPrefix + "alpha-delete": "terminal-2"})
		Eventually(func() []string { return get(fd).Finalizers }, timeout, poll).Should(ContainElement(controllers.Finalizer))
		Expect(env.Client.Delete(ctx, fd)).To(Succeed())

		Eventually(func() *metav1.Condition { return condition(fd, v1alpha1.ConditionStalled) }, timeout, poll).
			Should(haveCondition(metav1.ConditionTrue, v1alpha1.ReasonAccessDenied))
		Eventually(func() error {
			return env.Client.Get(ctx, client.ObjectKeyFromObject(fd), &v1alpha1.FlaskDeployment{})
		}, timeout, poll).Should(MatchError(ContainSubstring("not found")))
		Expect(alpha.Deletes(fd)).To(Equal(3))
	})

	It("leaves AWS alone when the deletion policy is Retain", func() {
		fd := newFD(nil)
		Eventually(func() []string { return get(fd).Finalizers }, timeout, poll).Should(ContainElement(controllers.Finalizer))
		cur := get(fd)
		patch := client.MergeFrom(cur.DeepCopy())
		cur.Spec.DeletionPolicy = v1alpha1.DeletionPolicyRetain
		Expect(env.Client.Patch(ctx, cur, patch)).To(Succeed())
		Expect(env.Client.Delete(ctx, fd)).To(Succeed())

		Eventually(func() error {
			return env.Client.Get(ctx, client.ObjectKeyFromObject(fd), &v1alpha1.FlaskDeployment{})
		}, timeout, poll).Should(MatchError(ContainSubstring("not found")))
		Expect(alpha.Deletes(fd)).To(BeZero())
		Expect(beta.Deletes(fd)).To(BeZero())
	})
})
