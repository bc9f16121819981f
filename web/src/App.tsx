import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router";
import { useSession } from "./context";
import { Layout } from "./pages/Layout";
import { SignIn } from "./pages/SignIn";
import { SignUp } from "./pages/SignUp";
import { VerifyEmail } from "./pages/VerifyEmail";
import { Leads } from "./pages/Leads";
import { LeadForm } from "./pages/LeadForm";
import { LeadPage } from "./pages/LeadPage";
import { Search } from "./pages/Search";
import { Customers } from "./pages/Customers";
import { CustomerForm, CustomerPage } from "./pages/CustomerPage";
import { GoogleCallback } from "./pages/Google";
import { DealForm, DealPage } from "./pages/DealPage";
import { ChatProvider } from "./chat/ChatProvider";

// Loaded when first opened: they are not on the way to the first screen.
const Board = lazy(() => import("./pages/Board"));
const Dashboard = lazy(() => import("./pages/Dashboard"));
const Chat = lazy(() => import("./pages/Chat"));
const Settings = lazy(() => import("./pages/Settings"));
const Notifications = lazy(() => import("./pages/Notifications"));

export function App() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignIn />} />
      <Route path="/sign-up" element={<SignUp />} />
      <Route path="/verify-email" element={<VerifyEmail />} />
      <Route
        element={
          <SignedIn>
            <ChatProvider>
              <Layout />
            </ChatProvider>
          </SignedIn>
        }
      >
        <Route path="/leads" element={<Leads />} />
        <Route path="/leads/new" element={<LeadForm />} />
        <Route path="/leads/:id" element={<LeadPage />} />
        <Route path="/leads/:id/edit" element={<LeadForm />} />
        <Route path="/customers" element={<Customers />} />
        <Route path="/customers/new" element={<CustomerForm />} />
        <Route path="/customers/:id" element={<CustomerPage />} />
        <Route path="/customers/:id/edit" element={<CustomerForm />} />
        <Route path="/deals" element={<Later><Board /></Later>} />
        <Route path="/deals/:id" element={<DealPage />} />
        <Route path="/deals/:id/edit" element={<DealForm />} />
        <Route path="/dashboard" element={<Later><Dashboard /></Later>} />
        <Route path="/search" element={<Search />} />
        <Route path="/chat" element={<Later><Chat /></Later>} />
        <Route path="/chat/:channelId" element={<Later><Chat /></Later>} />
        <Route path="/settings" element={<Later><Settings /></Later>} />
        <Route path="/notifications" element={<Later><Notifications /></Later>} />
        <Route path="/integrations/google/callback" element={<GoogleCallback />} />
      </Route>
      <Route path="*" element={<Navigate to="/leads" replace />} />
    </Routes>
  );
}

function Later({ children }: { children: ReactNode }) {
  return <Suspense fallback={<p role="status">Loading…</p>}>{children}</Suspense>;
}

/** Sends a visitor without a session to sign in, and back here afterwards. */
function SignedIn({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session) return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  return children;
}
