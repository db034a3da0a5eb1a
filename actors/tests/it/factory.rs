//! A ractor Factory as a supervised child: killed, restarted, and reachable by name again.

use std::time::Duration;

use music_mcp_actors::{
    ChildSpec, RestartType, RetryPolicy, Supervisor, SupervisorConfig, call_named,
};
use ractor::factory::{
    Factory, FactoryArguments, FactoryMessage, Job, JobOptions, Worker, WorkerId, queues, routing,
    worker_builder,
};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tokio_util::sync::CancellationToken;

use crate::support::{id_of, restarts, unique, wait_for};

/// Doubles numbers; the factory in front of it is the supervised child.
struct Doubler;

impl Worker for Doubler {
    type Key = ();
    type Message = (u32, RpcReplyPort<u32>);
    type State = ();
    type Arguments = ();

    async fn pre_start(
        &self,
        _wid: WorkerId,
        _factory: &ActorRef<FactoryMessage<(), Self::Message>>,
        arguments: (),
    ) -> Result<(), ActorProcessingErr> {
        Ok(arguments)
    }

    async fn handle(
        &self,
        _wid: WorkerId,
        _factory: &ActorRef<FactoryMessage<(), Self::Message>>,
        Job {
            key,
            msg: (value, reply),
            ..
        }: Job<(), Self::Message>,
        _state: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        let _ = reply.send(value * 2);
        Ok(key)
    }
}

type DoublerFactory = Factory<
    (),
    (u32, RpcReplyPort<u32>),
    (),
    Doubler,
    routing::QueuerRouting<(), (u32, RpcReplyPort<u32>)>,
    queues::DefaultQueue<(), (u32, RpcReplyPort<u32>)>,
>;

/// A Factory as a child: fresh `FactoryArguments` on every start, since they are not `Clone`.
fn factory_spec(name: &str) -> ChildSpec {
    let child_name = name.to_string();
    ChildSpec::new(name, RestartType::Permanent, move |supervisor| {
        let name = child_name.clone();
        async move {
            let arguments = FactoryArguments::builder()
                .worker_builder(Box::new(worker_builder(|_wid| (Doubler, ()))))
                .num_initial_workers(2)
                .router(routing::QueuerRouting::default())
                .queue(queues::DefaultQueue::default())
                .build();
            let (factory, _) =
                Actor::spawn_linked(Some(name), DoublerFactory::default(), arguments, supervisor)
                    .await?;
            Ok(factory.get_cell())
        }
    })
}

#[tokio::test]
async fn a_killed_factory_is_restarted_and_serves_calls_again() {
    let supervisor_name = unique("factory-sup");
    let factory_name = format!("{supervisor_name}.factory");
    let config = SupervisorConfig::new(&supervisor_name).with_child(factory_spec(&factory_name));
    let (supervisor, _) = Supervisor::spawn(config, None).await.expect("spawn");
    let first = id_of(&factory_name).expect("factory registered");

    ractor::registry::where_is(&factory_name)
        .expect("factory")
        .kill();
    wait_for(&supervisor, |s| restarts(s, &factory_name) == 1).await;

    assert_ne!(id_of(&factory_name), Some(first));
    let dispatch = |reply: RpcReplyPort<u32>| {
        FactoryMessage::Dispatch(Job {
            key: (),
            msg: (21_u32, reply),
            options: JobOptions::default(),
            accepted: None,
        })
    };
    let policy = RetryPolicy {
        deadline: Duration::from_secs(3),
        ..RetryPolicy::default()
    };
    let answer = call_named(&factory_name, dispatch, &policy, &CancellationToken::new()).await;
    assert_eq!(answer.map(|a| a.value), Ok(42));
    Supervisor::shutdown(&supervisor, None)
        .await
        .expect("shutdown");
}
