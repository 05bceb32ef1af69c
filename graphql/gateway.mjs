// Federation harness: a real Apollo Gateway composing the Sanshi subgraph with a second one.
//
// Usage: SANSHI_URL=http://127.0.0.1:8000/graphql [GATEWAY_PORT=4000] node gateway.mjs
//    or: node gateway.mjs http://127.0.0.1:8000/graphql [4000]
// Port 0 (the default) picks a free port. Prints `GATEWAY READY <url>` once composed and
// listening; stops both servers on SIGTERM/SIGINT. Used by tests/e2e/test_federation_gateway.py.
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

const sanshiUrl = process.argv[2] ?? process.env.SANSHI_URL ?? 'http://127.0.0.1:8000/graphql';
const gatewayPort = Number(process.argv[3] ?? process.env.GATEWAY_PORT ?? 0);

// The second subgraph, "census" (人口普查): it adds a field to our Community entity and has
// a root field that returns a bare Community reference, so the gateway must ask Sanshi's
// `_entities` for everything else about it.
const censusTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.11", import: ["@key"])

  type Community @key(fields: "slug") {
    slug: String!
    "人口普查备注 / Census note (from the census subgraph)"
    censusNote: String
  }

  type Query {
    "按标识引用社区（不做权限判断）/ A reference to a community; Sanshi decides visibility"
    censusCommunity(slug: String!): Community
  }
`);

const censusResolvers = {
  Query: {
    censusCommunity: (_parent, { slug }) => ({ slug }),
  },
  Community: {
    __resolveReference: ({ slug }) => ({ slug }),
    censusNote: ({ slug }) => `人口普查备注: ${slug}`,
  },
};

// Signals are handled once, below (stopOnTerminationSignals would re-raise them); no
// inline tracing (nothing reports usage), so stdout holds just the READY line.
const census = new ApolloServer({
  schema: buildSubgraphSchema({ typeDefs: censusTypeDefs, resolvers: censusResolvers }),
  plugins: [ApolloServerPluginInlineTraceDisabled()],
  stopOnTerminationSignals: false,
});
const { url: censusUrl } = await startStandaloneServer(census, {
  listen: { host: '127.0.0.1', port: 0 },
});

// Every subgraph request carries the caller's Authorization header (Sanshi's auth).
class AuthForwardingDataSource extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (context?.authorization) {
      request.http.headers.set('authorization', context.authorization);
    }
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: new IntrospectAndCompose({
    subgraphs: [
      { name: 'sanshi', url: sanshiUrl },
      { name: 'census', url: censusUrl },
    ],
  }),
  buildService: ({ url }) => new AuthForwardingDataSource({ url }),
});

const server = new ApolloServer({ gateway, stopOnTerminationSignals: false });
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: gatewayPort },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
console.log(`GATEWAY READY ${url}`);

// Stop the gateway (and its HTTP server) first, then the census subgraph.
let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  await census.stop();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
