// Connection strings are read from configuration, never written here.
var connection = "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=<your-account-key>;EndpointSuffix=core.windows.net";
var dev = "UseDevelopmentStorage=true";
