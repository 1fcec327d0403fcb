const port = Number(process.env.SHOP_PORT ?? 8080);
const { SHOP_ORIGIN, SHOP_CDN: cdn } = process.env;
const mode = process.env["NODE_ENV"];
