// The key comes from the environment; the literal below is the documented placeholder.
const key = process.env.GOOGLE_API_KEY || "AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
const short = "AIzaSyShort";
