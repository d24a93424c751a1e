"""Prefect's "how should I serve and deploy my flows?" decision, as data.

This is the single source of truth: prompts, `recommend`, `tree` (text and mermaid), the README and
the tests all read `TREE`. The structure is checked when the module is imported, so a broken edit
(an unreachable leaf, a branch to nowhere, a cycle) fails every command and test at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DOCS = "https://docs.prefect.io"


@dataclass(frozen=True)
class Link:
    title: str
    url: str


#: A tree answer: yes/no for most questions, a choice's value for the others (which cloud).
Answer = bool | str


@dataclass(frozen=True)
class Question:
    id: str  #: the node's id, unique in the tree
    label: str  #: the letter in Prefect's decision chart
    text: str
    help: str
    branches: Mapping[Answer, str]  #: answer -> id of the next question or leaf
    default: Answer  #: the answer `--defaults` takes
    links: tuple[Link, ...] = ()
    #: The answer's name: the CLI flag (`--<key>`, underscores as dashes) and the JSON key. Two
    #: nodes share one when the same question is asked on two branches (which cloud).
    answer_key: str = ""

    @property
    def key(self) -> str:
        return self.answer_key or self.id

    @property
    def flag(self) -> str:
        return "--" + self.key.replace("_", "-")

    @property
    def yes_no(self) -> bool:
        return set(self.branches) == {True, False}

    @property
    def choices(self) -> tuple[str, ...]:
        """The values a choice question accepts (empty for a yes/no question)."""
        return () if self.yes_no else tuple(str(answer) for answer in self.branches)

    def flag_for(self, answer: Answer) -> str:
        """The flag that gives `answer`: `--x` / `--no-x`, or `--x value`."""
        if self.yes_no:
            return self.flag if answer else f"--no-{self.flag[2:]}"
        return f"{self.flag} {answer}"

    def show(self, answer: Answer) -> str:
        """How an answer reads in text and in the rendered project's decision path."""
        return ("yes" if answer else "no") if self.yes_no else str(answer)


@dataclass(frozen=True)
class Leaf:
    id: str  #: the template name under templates/
    title: str
    summary: str
    rationale: str
    links: tuple[Link, ...] = ()
    #: Template answers a tree answer implies: {answer key: {answer: {question: value}}}, e.g.
    #: the cloud picks push_pool's provider. They sit below --data, which can still override.
    presets: Mapping[str, Mapping[Answer, Mapping[str, Any]]] = field(default_factory=dict)
    #: The rationale for a path with a given answer, where `rationale` would contradict it:
    #: {answer key: {answer: rationale}} (serve_vm is reached with and without containers).
    rationale_for: Mapping[str, Mapping[Answer, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class DecisionTree:
    root: str
    questions: dict[str, Question]
    leaves: dict[str, Leaf]

    def node(self, node_id: str) -> Question | Leaf:
        return self.questions.get(node_id) or self.leaves[node_id]

    def keys(self) -> dict[str, Question]:
        """One question per answer key (the first node asking it): what the CLI offers as flags."""
        keys: dict[str, Question] = {}
        for question in self.questions.values():
            keys.setdefault(question.key, question)
        return keys


_SERVE = Link("Run flows in local processes with flow.serve",
              f"{DOCS}/v3/how-to-guides/deployment_infra/run-flows-in-local-processes")
_WORK_POOLS = Link("Work pools", f"{DOCS}/v3/concepts/work-pools")
_WORKERS = Link("Workers", f"{DOCS}/v3/concepts/workers")
_DEPLOYMENTS = Link("Deployments", f"{DOCS}/v3/concepts/deployments")
_PREFECT_YAML = Link("Define deployments with prefect.yaml",
                     f"{DOCS}/v3/how-to-guides/deployments/prefect-yaml")
_KUBERNETES = Link("Run flows on Kubernetes",
                   f"{DOCS}/v3/how-to-guides/deployment_infra/kubernetes")
_SERVERLESS = Link("Run flows on serverless compute (push work pools)",
                   f"{DOCS}/v3/how-to-guides/deployment_infra/serverless")
_ECS = Link("Run flows on AWS ECS (prefect-aws ECS guide)",
            f"{DOCS}/integrations/prefect-aws/ecs-worker")
_GCP = Link("Run flows on Google Cloud Run or Vertex AI (prefect-gcp worker guide)",
            f"{DOCS}/integrations/prefect-gcp/gcp-worker-guide")
_AZURE = Link("Run flows on Azure Container Instances (prefect-azure ACI worker guide)",
              f"{DOCS}/integrations/prefect-azure/aci_worker")
_DOCKER = Link("Run flows in Docker containers",
               f"{DOCS}/v3/how-to-guides/deployment_infra/docker")

_CLOUD_TEXT = "Which cloud runs your flow runs: AWS, Google Cloud or Azure?"

TREE = DecisionTree(
    root="containers",
    questions={
        "containers": Question(
            id="containers",
            label="A",
            text="Do your flow runs need customized or dynamically provisioned infrastructure "
            "(a container or pod per run)?",
            help="If one long-running process on a VM can run your flows, flow.serve is the "
            "simplest thing that works: no work pool, no worker, no image registry. Choose yes "
            "when runs need their own image, isolation, or resources sized per run.",
            branches={True: "serverless", False: "serve_vm"},
            default=False,
            links=(_SERVE, _WORK_POOLS),
        ),
        "serverless": Question(
            id="serverless",
            label="C",
            text="Do you want serverless infrastructure (no cluster or VM of your own to run "
            "flow containers on)?",
            help="Serverless pools (ECS Fargate, Cloud Run, Azure Container Instances, Modal) "
            "start a container per run and bill per run; you manage no nodes.",
            branches={True: "cloud_credentials", False: "kubernetes"},
            default=False,
            links=(_SERVERLESS, _WORK_POOLS),
        ),
        "kubernetes": Question(
            id="kubernetes",
            label="D",
            text="Do you want to run flow runs on a managed Kubernetes cluster?",
            help="With a cluster, a Kubernetes worker (installed with the prefect-worker Helm "
            "chart) turns each flow run into a Job. Without one, serve your flows from a VM, "
            "optionally in Docker.",
            branches={True: "k8s_pool", False: "serve_vm"},
            default=True,
            links=(_KUBERNETES, _WORKERS),
        ),
        "cloud_credentials": Question(
            id="cloud_credentials",
            label="E",
            text="Can you store your cloud provider credentials on Prefect Cloud?",
            help="Push work pools need Prefect Cloud and a credentials block it can use to submit "
            "runs for you. If credentials must stay in your account, or you run a self-hosted "
            "Prefect server, run a worker yourself instead.",
            branches={True: "push_cloud", False: "hybrid_cloud"},
            default=True,
            links=(_SERVERLESS, _WORKERS),
        ),
        # The same question on both branches: for a push pool it picks the provider, for a
        # hybrid pool it picks the template (each cloud has its own worker).
        "push_cloud": Question(
            id="push_cloud",
            answer_key="cloud",
            label="F",
            text=_CLOUD_TEXT,
            help="Prefect Cloud submits runs to ECS (AWS), Cloud Run (Google Cloud) or Azure "
            "Container Instances with the credentials you store on it. (Modal is a push_pool "
            "provider too: --data provider=modal.)",
            branches={"aws": "push_pool", "gcp": "push_pool", "azure": "push_pool"},
            default="aws",
            links=(_SERVERLESS,),
        ),
        "hybrid_cloud": Question(
            id="hybrid_cloud",
            answer_key="cloud",
            label="F",
            text=_CLOUD_TEXT,
            help="Each cloud has its own worker, run in your account with its own identity: "
            "ECS (prefect-aws), Cloud Run or Vertex AI (prefect-gcp), Azure Container "
            "Instances (prefect-azure).",
            branches={"aws": "ecs_pool", "gcp": "gcp_pool", "azure": "azure_pool"},
            default="aws",
            links=(_ECS, _GCP, _AZURE, _WORKERS),
        ),
    },
    leaves={
        "serve_vm": Leaf(
            id="serve_vm",
            title="flow.serve in a long-running process (cloud VM, optionally Docker)",
            summary="serve.py serves every deployment from one process; systemd or Docker "
            "keeps it running.",
            rationale="Your runs do not need per-run infrastructure, so the lightest option fits: "
            "a process that serves your deployments and runs them as subprocesses. No work pool, "
            "worker or image registry to operate.",
            links=(_SERVE, _DOCKER, _DEPLOYMENTS),
            presets={"containers": {True: {"docker": True}}},
            rationale_for={"containers": {True: (
                "You want containers, but neither serverless infrastructure nor a Kubernetes "
                "cluster to run them on: serve.py runs in a Docker container on a VM of yours, "
                "so your flows get their own image without a work pool or worker to operate. "
                "Runs share that one container; for a container per run, answer yes to C or D.")}},
        ),
        "k8s_pool": Leaf(
            id="k8s_pool",
            title="Kubernetes work pool with a worker from the prefect-worker Helm chart",
            summary="prefect.yaml deploys to a kubernetes pool; each run becomes a Job.",
            rationale="You want containers per run and already run Kubernetes: a worker in your "
            "cluster turns each flow run into a Kubernetes Job built from your image, with "
            "namespace, resources and service account under your control.",
            links=(_KUBERNETES, _WORK_POOLS, _PREFECT_YAML),
        ),
        "push_pool": Leaf(
            id="push_pool",
            title="Push work pool on Prefect Cloud (no worker to run)",
            summary="Prefect Cloud submits each run to ECS, Cloud Run, ACI or Modal directly.",
            rationale="You want serverless containers and may keep credentials on Prefect Cloud, "
            "so Cloud can submit runs itself: nothing of yours runs between deployments. "
            "Requires Prefect Cloud.",
            links=(_SERVERLESS, _WORK_POOLS, _PREFECT_YAML),
            presets={"cloud": {"aws": {"provider": "ecs"}, "gcp": {"provider": "cloud-run"},
                               "azure": {"provider": "azure-container-instance"}}},
        ),
        "ecs_pool": Leaf(
            id="ecs_pool",
            title="ECS work pool (serverless hybrid) with a worker you run in AWS",
            summary="A prefect-aws ECS worker in your account starts a Fargate task per run.",
            rationale="You want serverless containers but credentials must stay in your AWS "
            "account (or you self-host Prefect): a worker running as an ECS service uses its IAM "
            "role to start tasks, and Prefect never holds AWS keys.",
            links=(_ECS, _WORKERS, _PREFECT_YAML),
        ),
        "gcp_pool": Leaf(
            id="gcp_pool",
            title="Cloud Run or Vertex AI work pool (serverless hybrid) with a worker you run in "
            "Google Cloud",
            summary="A prefect-gcp worker in your project starts a Cloud Run job or a Vertex AI "
            "custom job per run.",
            rationale="You want serverless containers on Google Cloud but credentials must stay "
            "in your project (or you self-host Prefect): a worker running as a Cloud Run service "
            "uses its service account to start a job per run, and Prefect never holds a key.",
            links=(_GCP, _WORKERS, _PREFECT_YAML),
        ),
        "azure_pool": Leaf(
            id="azure_pool",
            title="Azure Container Instances work pool (serverless hybrid) with a worker you run "
            "in Azure",
            summary="A prefect-azure worker in your subscription starts a container group per "
            "run.",
            rationale="You want serverless containers on Azure but credentials must stay in your "
            "subscription (or you self-host Prefect): a worker with a managed identity creates a "
            "container group per run, and Prefect never holds a secret.",
            links=(_AZURE, _WORKERS, _PREFECT_YAML),
        ),
    },
)


def _check(tree: DecisionTree) -> None:
    """Every branch leads somewhere, there is no cycle, every node is reachable, and a question
    asked at two nodes is the same question at both."""
    seen: set[str] = set()

    def walk(node_id: str, trail: tuple[str, ...]) -> None:
        if node_id in trail:
            raise ValueError(f"decision tree: cycle through {node_id!r}")
        if node_id not in tree.questions and node_id not in tree.leaves:
            raise ValueError(f"decision tree: branch to unknown node {node_id!r}")
        seen.add(node_id)
        question = tree.questions.get(node_id)
        if question is not None:
            for next_id in question.branches.values():
                walk(next_id, (*trail, node_id))

    walk(tree.root, ())
    unreachable = (set(tree.questions) | set(tree.leaves)) - seen
    if unreachable:
        raise ValueError(f"decision tree: unreachable nodes {sorted(unreachable)}")
    for key, node in [*tree.questions.items(), *tree.leaves.items()]:
        if key != node.id:
            raise ValueError(f"decision tree: node {key!r} is filed under the id {node.id!r}")
    first = tree.keys()
    for question in tree.questions.values():
        twin = first[question.key]
        if (twin.text, twin.label, set(twin.branches), twin.default) != (
                question.text, question.label, set(question.branches), question.default):
            raise ValueError(f"decision tree: {question.id!r} and {twin.id!r} ask "
                             f"{question.key!r} differently")
        if question.default not in question.branches:
            raise ValueError(f"decision tree: {question.id!r} defaults to an answer it lacks")


_check(TREE)
