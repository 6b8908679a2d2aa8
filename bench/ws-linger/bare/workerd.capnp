# The bare Durable Object of bench/ws-linger served by workerd alone (no
# wrangler, no miniflare). The port is set on the command line:
#   workerd serve bare/workerd.capnp --socket-addr http=127.0.0.1:9711
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .bare) ],
  sockets = [ (name = "http", address = "127.0.0.1:9711", http = (), service = "main") ],
);

const bare :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2026-07-30",
  durableObjectNamespaces = [ (className = "Room", uniqueKey = "ws-linger-room", enableSql = true) ],
  durableObjectStorage = (inMemory = void),
  bindings = [ (name = "ROOM", durableObjectNamespace = "Room") ],
);
