if (process.env.npm_lifecycle_event === "prepublishOnly") {
  console.log(process.env.npm_package_version_with_suffix_that_is_long);
}
