console.log("build output");
