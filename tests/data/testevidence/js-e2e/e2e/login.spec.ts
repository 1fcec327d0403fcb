import { test, expect } from "@playwright/test";

test("user can log in over https", async ({ page }) => {
  await page.goto("/login");
  await expect(page.getByText("Welcome")).toBeVisible();
});
